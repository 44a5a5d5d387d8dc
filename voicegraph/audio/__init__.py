"""I/O-free audio cores: resampling (soxr), chunking, PCM sample codecs, G.711, Opus, RNNoise.

Plain synchronous classes and functions, no frames and no tasks. The nodes in
`voicegraph.processors.audio` wrap them; transports use them directly, so nodes and
transports meet only through frames. This layer imports `voicegraph.framework` only.

Engines (extra `audio`): soxr, opuslib (+ the system libopus0), pyrnnoise, imported
lazily when a core that needs them is built.
"""

from __future__ import annotations

from voicegraph.audio.chunk_buffer import ChunkBuffer as ChunkBuffer
from voicegraph.audio.opus_stream_decoder import OpusStreamDecoder as OpusStreamDecoder
from voicegraph.audio.opus_stream_encoder import OpusStreamEncoder as OpusStreamEncoder
from voicegraph.audio.pcm_converter import PcmConverter as PcmConverter
from voicegraph.audio.rnnoise_denoiser import RNNoiseDenoiser as RNNoiseDenoiser
from voicegraph.audio.stream_resampler import StreamResampler as StreamResampler

__all__ = [
    "ChunkBuffer",
    "OpusStreamDecoder",
    "OpusStreamEncoder",
    "PcmConverter",
    "RNNoiseDenoiser",
    "StreamResampler",
]
