"""WebRTCVADEngine: the WebRTC project's GMM voice detector (package `webrtcvad-wheels`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    from types import ModuleType

    import numpy as np
    from numpy.typing import NDArray

RATES = (8000, 16000, 32000, 48000)
FRAME_MS = (10, 20, 30)


def import_webrtcvad() -> ModuleType:
    """Import `webrtcvad` or raise the `missing_dependency` error naming the extra."""
    try:
        import webrtcvad
    except ImportError as exc:
        raise missing_dependency("local", "webrtcvad-wheels") from exc
    module: ModuleType = webrtcvad
    return module


class WebRTCVADEngine:
    """Binary speech decision per 10/20/30 ms frame at 8/16/32/48 kHz (confidence 0 or 1).

    Args:
        sample_rate: 8000, 16000, 32000 or 48000.
        mode: aggressiveness 0 (least) to 3 (most eager to call audio non-speech).
        frame_ms: 10, 20 or 30.
    """

    def __init__(self, sample_rate: int, *, mode: int = 2, frame_ms: int = 20) -> None:
        if sample_rate not in RATES or frame_ms not in FRAME_MS or mode not in (0, 1, 2, 3):
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"webrtcvad takes rates {RATES}, frames {FRAME_MS} ms, mode 0-3; got "
                f"{sample_rate} Hz, {frame_ms} ms, mode {mode}",
            )
        self._rate = sample_rate
        self._mode = mode
        self._window = sample_rate * frame_ms // 1000
        self._vad = import_webrtcvad().Vad(mode)

    @property
    def sample_rate(self) -> int:
        """Rate the engine was built for."""
        return self._rate

    @property
    def window_samples(self) -> int:
        """Samples per frame."""
        return self._window

    def confidence(self, window: NDArray[np.int16]) -> float:
        """1.0 when WebRTC calls the frame speech, else 0.0."""
        return 1.0 if self._vad.is_speech(window.tobytes(), self._rate) else 0.0

    def reset(self) -> None:
        """Start a fresh detector (its adaptive noise model is per stream)."""
        self._vad = import_webrtcvad().Vad(self._mode)
