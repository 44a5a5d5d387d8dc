"""VADEngine: the interface every voice-activity engine implements, and its factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np
    from numpy.typing import NDArray

EngineOption = float | int | str
"""Type of one engine option value (YAML-friendly scalars)."""

ENGINE_NAMES = ("silero", "webrtc", "energy")
"""Engine names `create_vad_engine` understands."""


class VADEngine(Protocol):
    """An I/O-free speech detector over fixed windows of mono int16 PCM.

    One instance per audio stream (engines may carry state between windows).
    """

    @property
    def sample_rate(self) -> int:
        """Sample rate of the windows the engine takes, in Hz."""
        ...

    @property
    def window_samples(self) -> int:
        """Samples per analysis window."""
        ...

    def confidence(self, window: NDArray[np.int16]) -> float:
        """Speech confidence in [0, 1] for one window of exactly `window_samples` samples."""
        ...

    def reset(self) -> None:
        """Forget any state carried between windows."""
        ...


def vad_engine_rates(name: str) -> tuple[int, ...] | None:
    """Sample rates engine `name` takes (preferred first); None means any rate.

    Raises:
        VoiceError: `invalid_config` for an unknown engine name.
    """
    if name == "silero":
        return (16000, 8000, 32000, 48000)
    if name == "webrtc":
        return (16000, 8000, 32000, 48000)
    if name == "energy":
        return None
    raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown VAD engine {name!r}; use one of {ENGINE_NAMES}")


def check_vad_engine(name: str) -> None:
    """Fail early when engine `name` is unknown or its package is missing.

    Raises:
        VoiceError: `invalid_config` (unknown name) or `missing_dependency`.
    """
    vad_engine_rates(name)
    if name == "silero":
        from voicegraph.processors.vad.silero_vad_engine import silero_model_path

        silero_model_path()
    elif name == "webrtc":
        from voicegraph.processors.vad.webrtc_vad_engine import import_webrtcvad

        import_webrtcvad()


def create_vad_engine(
    name: str, sample_rate: int, options: Mapping[str, EngineOption] | None = None
) -> VADEngine:
    """Build engine `name` for one stream at `sample_rate`, passing `options` as keywords.

    Raises:
        VoiceError: `invalid_config` (unknown name, rate or option) or `missing_dependency`.
    """
    opts: dict[str, Any] = dict(options or {})  # checked by the engine's signature
    check_vad_engine(name)
    try:
        if name == "silero":
            from voicegraph.processors.vad.silero_vad_engine import SileroVADEngine

            return SileroVADEngine(sample_rate, **opts)
        if name == "webrtc":
            from voicegraph.processors.vad.webrtc_vad_engine import WebRTCVADEngine

            return WebRTCVADEngine(sample_rate, **opts)
        from voicegraph.processors.vad.energy_vad_engine import EnergyVADEngine

        return EnergyVADEngine(sample_rate, **opts)
    except TypeError as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad option for VAD engine {name!r}: {exc}") from exc
