"""Audio processors: resampling and format conversion (soxr), G.711, Opus, gain,
re-framing, WAV recording and RNNoise noise suppression.

Importing this package registers `create_converter` as the converter that format
negotiation inserts, when soxr is installed (extra `audio`).
"""

from __future__ import annotations

import importlib.util

from voicegraph.framework.negotiation import set_converter_factory
from voicegraph.processors.audio.format_converter import FormatConverter as FormatConverter
from voicegraph.processors.audio.format_converter import create_converter as create_converter
from voicegraph.processors.audio.g711_decoder import G711Decoder as G711Decoder
from voicegraph.processors.audio.g711_encoder import G711Encoder as G711Encoder
from voicegraph.processors.audio.pcm_converter import PcmConverter as PcmConverter
from voicegraph.processors.audio.resampler import Resampler as Resampler
from voicegraph.processors.audio.stream_resampler import StreamResampler as StreamResampler

__all__ = [
    "FormatConverter",
    "G711Decoder",
    "G711Encoder",
    "PcmConverter",
    "Resampler",
    "StreamResampler",
    "create_converter",
]

if importlib.util.find_spec("soxr") is not None:
    set_converter_factory(create_converter)
