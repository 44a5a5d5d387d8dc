"""Audio processors: resampling and format conversion (soxr), G.711, Opus, gain,
re-framing, WAV recording and RNNoise noise suppression. Each node wraps an I/O-free
core from `voicegraph.audio`.

Engines (extra `audio`): soxr, opuslib (+ the system libopus0), pyrnnoise. They are
imported lazily, when a node that needs them is built.

`register_converter()` makes format negotiation insert the soxr `FormatConverter`
instead of the framework's linear-interpolation converter.
"""

from __future__ import annotations

from voicegraph.processors.audio.echo_canceller import EchoCanceller as EchoCanceller
from voicegraph.processors.audio.echo_double_talk import DoubleTalkBypass as DoubleTalkBypass
from voicegraph.processors.audio.echo_reference import EchoReference as EchoReference
from voicegraph.processors.audio.encoded_audio_frame import EncodedAudioFrame as EncodedAudioFrame
from voicegraph.processors.audio.format_converter import FormatConverter as FormatConverter
from voicegraph.processors.audio.format_converter import create_converter as create_converter
from voicegraph.processors.audio.format_converter import register_converter as register_converter
from voicegraph.processors.audio.g711_decoder import G711Decoder as G711Decoder
from voicegraph.processors.audio.g711_encoder import G711Encoder as G711Encoder
from voicegraph.processors.audio.gain import Gain as Gain
from voicegraph.processors.audio.opus_decoder import OpusDecoder as OpusDecoder
from voicegraph.processors.audio.opus_encoder import OpusEncoder as OpusEncoder
from voicegraph.processors.audio.rechunker import Rechunker as Rechunker
from voicegraph.processors.audio.resampler import Resampler as Resampler
from voicegraph.processors.audio.rnnoise_filter import RNNoiseFilter as RNNoiseFilter
from voicegraph.processors.audio.wav_recorder import WavRecorder as WavRecorder

__all__ = [
    "DoubleTalkBypass",
    "EchoCanceller",
    "EchoReference",
    "EncodedAudioFrame",
    "FormatConverter",
    "G711Decoder",
    "G711Encoder",
    "Gain",
    "OpusDecoder",
    "OpusEncoder",
    "RNNoiseFilter",
    "Rechunker",
    "Resampler",
    "WavRecorder",
    "create_converter",
    "register_converter",
]
