"""TurnDetection: who decides that the user's turn is over — the provider's VAD or voicegraph."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Mapping

MODES = ("server_vad", "semantic_vad", "none")
EAGERNESS = ("low", "medium", "high", "auto")


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnDetection:
    """Turn-taking settings of a realtime session.

    `server_vad` and `semantic_vad` run on the provider: it reports speech start and stop,
    commits the input audio and (with `create_response`) answers by itself. `none` leaves
    it to the graph: voicegraph's VAD and turn nodes send `UserStartedSpeakingFrame` and
    `TurnEndFrame`, and the S2S node commits the audio and asks for the reply. Values are
    the provider's documented defaults.
    """

    mode: str = "server_vad"
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    eagerness: str = "auto"
    create_response: bool = True
    interrupt_response: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"turn detection must be one of {MODES}")
        if self.eagerness not in EAGERNESS:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"eagerness must be one of {EAGERNESS}")
        if not 0.0 <= self.threshold <= 1.0 or self.prefix_padding_ms < 0 or self.silence_duration_ms < 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "VAD threshold in [0, 1], durations >= 0")

    @property
    def by_provider(self) -> bool:
        """Whether the provider detects turns (otherwise the graph does)."""
        return self.mode != "none"

    def payload(self) -> dict[str, Any] | None:
        """The `turn_detection` object of a session (None disables the provider's VAD)."""
        if self.mode == "none":
            return None
        common = {"create_response": self.create_response, "interrupt_response": self.interrupt_response}
        if self.mode == "semantic_vad":
            return {"type": "semantic_vad", "eagerness": self.eagerness, **common}
        return {
            "type": "server_vad",
            "threshold": self.threshold,
            "prefix_padding_ms": self.prefix_padding_ms,
            "silence_duration_ms": self.silence_duration_ms,
            **common,
        }

    @classmethod
    def coerce(cls, value: TurnDetection | str | Mapping[str, Any] | None) -> TurnDetection:
        """From itself, a mode name, a mapping of fields (`type` works for `mode`), or None (`none`).

        Raises:
            VoiceError: (invalid_config) unknown mode or field.
        """
        if isinstance(value, TurnDetection):
            return value
        if value is None:
            return cls(mode="none")
        if isinstance(value, str):
            return cls(mode=value)
        data = dict(value)
        if "type" in data:
            data["mode"] = data.pop("type")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown turn detection fields {unknown}")
        return cls(**data)
