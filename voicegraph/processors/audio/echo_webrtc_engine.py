"""WebRTCEchoEngine: WebRTC's audio processing module (AEC3) over 10 ms int16 blocks.

The module comes from the `livekit` wheel (`livekit.rtc.AudioProcessingModule`, the
extra `livekit`): a maintained, prebuilt binding of the WebRTC audio processing
library, so no compiler is needed. AEC3 estimates the echo path delay itself (it
cancelled echo delayed 20-200 ms with reverb in benchmarks/barge_in_rooms.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    from numpy.typing import NDArray

RATES = (8000, 16000, 32000, 48000)
"""Sample rates the module takes."""


class WebRTCEchoEngine:
    """Cancels the echo of a far-end signal in a near-end one, 10 ms at a time.

    I/O-free and synchronous; about 0.1 ms of CPU per 10 ms block. Feed every block of
    both sides, in step (`process` takes one of each): the canceller models the echo
    path from their relation, so a missing far-end block must be given as silence.

    Args:
        rate: sample rate of both signals (one of `RATES`).
        noise_suppression: also run WebRTC's noise suppressor on the near end.
        delay_ms: a known bulk delay hint (render to capture), 0 if unknown.

    Raises:
        VoiceError: `invalid_config` (rate), `missing_dependency` (livekit not installed).
    """

    def __init__(self, rate: int, *, noise_suppression: bool = False, delay_ms: int = 0) -> None:
        if rate not in RATES:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"echo canceller rate {rate}: use one of {RATES}")
        try:
            from livekit import rtc
        except ImportError as exc:
            raise missing_dependency("livekit", "livekit") from exc
        self._rtc: Any = rtc
        self.rate = rate
        self.block = rate // 100
        self._delay_ms = delay_ms
        self._apm: Any = rtc.AudioProcessingModule(
            echo_cancellation=True, noise_suppression=noise_suppression, high_pass_filter=True
        )

    def _frame(self, pcm: NDArray[np.int16]) -> Any:
        return self._rtc.AudioFrame(pcm.astype(np.int16).tobytes(), self.rate, 1, self.block)

    def process(self, near: NDArray[np.int16], far: NDArray[np.int16]) -> NDArray[np.int16]:
        """One 10 ms block: `near` (microphone) with the echo of `far` (played) removed."""
        self._apm.process_reverse_stream(self._frame(far))
        frame = self._frame(near)
        self._apm.set_stream_delay_ms(self._delay_ms)
        self._apm.process_stream(frame)
        out: NDArray[np.int16] = np.frombuffer(bytes(frame.data), np.int16).copy()
        return out
