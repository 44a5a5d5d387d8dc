"""StreamResampler: soxr's streaming resampler with a FIFO for steady output chunks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from voicegraph.audio.engine_imports import import_soxr
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from numpy.typing import NDArray

Quality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]

_PROBE_S = 4.0  # soxr's burst pattern repeats within ~1.5 s of input; probe well past it
_PROBE_MAX_CALLS = 1000
_MARGIN_S = 0.0005  # slack for rounding drift past the probe (seen: 2 samples at 44.1->16 kHz)


class StreamResampler:
    """Resamples a stream of (frames, channels) blocks; I/O-free and synchronous.

    soxr works in internal blocks, so its output per call is bursty (e.g. 0, 1468, 0,
    1468 samples for 20 ms calls at 16->48 kHz HQ). With `steady=True` the output goes
    through a FIFO that holds back `reserve` samples: the reserve is measured once, on the
    first call, by running a scratch soxr stream on silence with the same call size, so
    for a steady input size every output block has the same length after the first
    non-empty one (exactly `n * out_rate / in_rate` when that is whole). That reserve
    is the added latency (`latency_ms`). soxr compensates its filter delay, so the
    output is time-aligned with the input. `finish` flushes the tail; `reset` forgets
    everything (interruption).

    Args:
        in_rate: input sample rate (Hz).
        out_rate: output sample rate (Hz).
        channels: interleaved channel count.
        dtype: np.int16 or np.float32 (blocks in and out; soxr runs in float32 and
            int16 output is rounded without dither, so results are deterministic).
        quality: soxr quality recipe, "QQ" (cubic, no anti-aliasing) to "VHQ".
        steady: hold back output so chunk lengths are steady (adds `latency_ms`).

    Raises:
        VoiceError: (invalid_config) bad rates or quality; (missing_dependency) no soxr.
    """

    def __init__(
        self,
        in_rate: int,
        out_rate: int,
        channels: int = 1,
        *,
        dtype: type[np.int16] | type[np.float32] = np.int16,
        quality: Quality = "HQ",
        steady: bool = True,
    ) -> None:
        if in_rate <= 0 or out_rate <= 0 or channels <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad resampler {in_rate}->{out_rate} x{channels}")
        if quality not in ("QQ", "LQ", "MQ", "HQ", "VHQ"):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown soxr quality {quality!r}")
        self.in_rate, self.out_rate, self.channels = in_rate, out_rate, channels
        self._dtype = dtype
        self._quality = quality
        self._steady = steady
        self._stream = self._new_stream() if in_rate != out_rate else None
        self._reserve: int | None = None if steady else 0
        self._fifo = self._empty()
        self._in_total = 0
        self._out_total = 0

    @classmethod
    def expected_latency_ms(
        cls, in_rate: int, out_rate: int, *, chunk_ms: float = 20.0, quality: Quality = "HQ"
    ) -> float:
        """The steady-mode latency for input chunks of `chunk_ms` (measured by a probe, ~2 ms)."""
        if in_rate == out_rate:
            return 0.0
        rs = cls(in_rate, out_rate, dtype=np.float32, quality=quality)
        rs.process(np.zeros((max(1, round(in_rate * chunk_ms / 1000)), 1), np.float32))
        return rs.latency_ms

    @property
    def latency_ms(self) -> float:
        """Latency the steady FIFO adds (known after the first block; 0 before)."""
        return (self._reserve or 0) * 1000.0 / self.out_rate

    def process(self, x: NDArray[np.int16] | NDArray[np.float32]) -> NDArray[np.int16] | NDArray[np.float32]:
        """Resample one (frames, channels) block; returns the output ready so far."""
        if self._stream is None:
            return x
        if self._reserve is None:
            self._reserve = self._probe(len(x))
        y = self._resample(x, last=False)
        self._in_total += len(x)
        if not self._steady:
            return y
        fifo = np.concatenate([self._fifo, y]) if len(self._fifo) else y
        due = self._in_total * self.out_rate // self.in_rate - self._reserve - self._out_total
        n = max(0, min(due, len(fifo)))
        self._fifo = fifo[n:]
        self._out_total += n
        return fifo[:n]

    def finish(self) -> NDArray[np.int16] | NDArray[np.float32]:
        """End of stream: everything held plus soxr's tail; the resampler is then reset."""
        if self._stream is None:
            return self._empty()
        tail = self._resample(self._empty(), last=True)
        out = np.concatenate([self._fifo, tail])
        self.reset()
        return out

    def reset(self) -> None:
        """Forget buffered audio and filter history (after an interruption)."""
        if self._stream is not None:
            self._stream.clear()
        self._fifo = self._empty()
        self._in_total = 0
        self._out_total = 0

    def _new_stream(self) -> Any:
        # always float32: soxr dithers int16 output with a random seed, so int16 results
        # would differ run to run; rounding here keeps the output deterministic
        soxr = import_soxr()
        return soxr.ResampleStream(
            self.in_rate, self.out_rate, self.channels, dtype="float32", quality=self._quality
        )

    def _resample(
        self, x: NDArray[np.int16] | NDArray[np.float32], *, last: bool
    ) -> NDArray[np.int16] | NDArray[np.float32]:
        stream = self._stream
        assert stream is not None
        arr = np.ascontiguousarray(x[:, 0] if self.channels == 1 else x, dtype=np.float32)
        y = np.asarray(stream.resample_chunk(arr, last=last), dtype=np.float32).reshape(-1, self.channels)
        if self._dtype is np.float32:
            return y
        return np.clip(np.round(y), -32768, 32767).astype(np.int16)

    def _probe(self, n: int) -> int:
        """Largest shortfall of soxr's output behind the ideal count, for calls of `n` frames."""
        if n == 0:
            return 0
        scratch = self._new_stream()
        zeros = np.zeros(n if self.channels == 1 else (n, self.channels), dtype=np.float32)
        calls = min(_PROBE_MAX_CALLS, max(32, int(np.ceil(self.in_rate * _PROBE_S / n))))
        got, worst = 0, 0
        for k in range(1, calls + 1):
            got += len(scratch.resample_chunk(zeros))
            worst = max(worst, k * n * self.out_rate // self.in_rate - got)
        return worst + int(np.ceil(self.out_rate * _MARGIN_S))

    def _empty(self) -> NDArray[np.int16] | NDArray[np.float32]:
        if self._dtype is np.float32:
            return np.zeros((0, self.channels), dtype=np.float32)
        return np.zeros((0, self.channels), dtype=np.int16)
