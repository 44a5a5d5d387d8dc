"""EchoReference: what the output played and when, shared by one session's graph.

Issue 19, "Barge-in that holds up in real rooms": an echo canceller on the input side
needs the far-end signal (the bot's audio as it was played). The output's playout loop
knows what it wrote and at which clock time; it writes each chunk here, and the
`EchoCanceller` (which creates the object in `StartContext.shared` under
`ECHO_REFERENCE_KEY`) reads the span of clock time a microphone frame covers.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.audio import sample_codec
from voicegraph.framework.convert import LinearResampler

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from voicegraph.framework.formats import AudioFormat

ECHO_REFERENCE_KEY = "echo_reference"
"""The key of the session's `EchoReference` in `StartContext.shared`."""


class EchoReference:
    """A timeline of played audio: mono int16 at `rate`, placed by graph-clock time.

    I/O-free. `write` converts a played chunk (any format) to mono at `rate` and stores
    it at the sample index of its start time; `read` returns the samples of a span,
    zeros where nothing played. Keeps the last `span_s` seconds (older chunks are
    forgotten), so memory stays bounded however long the session.

    Args:
        rate: sample rate of the reader (the canceller's input rate).
        span_s: how much played audio is kept.
    """

    def __init__(self, rate: int, *, span_s: float = 2.0) -> None:
        self.rate = rate
        self._span = int(span_s * rate)
        self._chunks: deque[tuple[int, NDArray[np.int16]]] = deque()
        self._resamplers: dict[int, LinearResampler] = {}
        self.written_samples = 0
        """Samples written so far (for reports and tests)."""

    def _index(self, at_ns: int) -> int:
        return at_ns * self.rate // 1_000_000_000

    def write(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        """Store one played chunk of `fmt` audio that started playing at clock time `at_ns`."""
        x = sample_codec.to_dtype(sample_codec.decode(data, fmt), np.float32)
        mono = x.reshape(-1, fmt.channels).mean(axis=1).astype(np.float32) * 32767.0
        if fmt.rate != self.rate:
            rs = self._resamplers.get(fmt.rate)
            if rs is None:
                rs = self._resamplers[fmt.rate] = LinearResampler(fmt.rate, self.rate, 1)
            mono = rs.process(mono.reshape(-1, 1)).reshape(-1)
        pcm = np.clip(np.round(mono), -32768, 32767).astype(np.int16)
        start = self._index(at_ns)
        self._chunks.append((start, pcm))
        self.written_samples += pcm.size
        while self._chunks and self._chunks[0][0] + self._chunks[0][1].size < start - self._span:
            self._chunks.popleft()

    def read(self, start_ns: int, n: int) -> NDArray[np.int16]:
        """The `n` samples that played from clock time `start_ns` (zeros where none did)."""
        out = np.zeros(n, np.int16)
        lo = self._index(start_ns)
        hi = lo + n
        for begin, pcm in reversed(self._chunks):
            end = begin + pcm.size
            if end <= lo:
                break  # chunks are in time order: the rest are older still
            a, b = max(begin, lo), min(end, hi)
            if a < b:
                out[a - lo : b - lo] = pcm[a - begin : b - begin]
        return out


def echo_reference(shared: dict[str, Any], rate: int) -> EchoReference:
    """The session's reference in `shared`, created at `rate` if there is none yet."""
    ref = shared.get(ECHO_REFERENCE_KEY)
    if not isinstance(ref, EchoReference):
        ref = shared[ECHO_REFERENCE_KEY] = EchoReference(rate)
    return ref
