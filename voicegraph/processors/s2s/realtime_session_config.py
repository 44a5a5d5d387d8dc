"""RealtimeSessionConfig: the settings of one realtime session, as GA or beta `session.update`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.s2s.realtime_audio_format import RealtimeAudioFormat
from voicegraph.processors.s2s.turn_detection import TurnDetection

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

PROTOCOLS = ("ga", "beta")
MODALITIES = ("audio", "text")


@dataclass(frozen=True, slots=True, kw_only=True)
class RealtimeSessionConfig:
    """What the S2S node asks of the model when a session opens (and again after a reconnect).

    `session_update()` renders it in the GA shape (`session.type = "realtime"`, nested
    `audio.input`/`audio.output`, formats as objects) or the beta shape (flat fields,
    formats as strings, `modalities`). I/O-free.
    """

    model: str = "gpt-realtime"
    protocol: str = "ga"
    instructions: str = ""
    voice: str = "marin"
    input_format: RealtimeAudioFormat = RealtimeAudioFormat.PCM
    output_format: RealtimeAudioFormat = RealtimeAudioFormat.PCM
    turn_detection: TurnDetection = field(default_factory=TurnDetection)
    transcription_model: str | None = None
    """Model transcribing the user's audio (None: no user transcripts)."""
    output_modalities: tuple[str, ...] = ("audio",)
    tools: tuple[Mapping[str, Any], ...] = ()
    """Function tool definitions (`{"type": "function", "name", "description", "parameters"}`)."""
    tool_choice: str = "auto"
    extra: Mapping[str, Any] = field(default_factory=dict)
    """More session fields, merged over the rendered ones (e.g. `max_output_tokens`)."""

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"protocol must be one of {PROTOCOLS}")
        if not self.model:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "model must not be empty")
        if not self.output_modalities or not set(self.output_modalities) <= set(MODALITIES):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"output_modalities must be a subset of {MODALITIES}")

    @property
    def beta(self) -> bool:
        """Whether the session speaks the beta protocol."""
        return self.protocol == "beta"

    def session_update(self) -> dict[str, Any]:
        """The `session.update` client event for this configuration."""
        session = self._beta_session() if self.beta else self._ga_session()
        if self.instructions:
            session["instructions"] = self.instructions
        if self.tools:
            session["tools"] = [dict(t) for t in self.tools]
            session["tool_choice"] = self.tool_choice
        session.update(self.extra)
        return {"type": "session.update", "session": session}

    def instructions_update(self, instructions: str) -> dict[str, Any]:
        """A `session.update` that changes only the instructions."""
        session: dict[str, Any] = {"instructions": instructions}
        if not self.beta:
            session = {"type": "realtime", **session}
        return {"type": "session.update", "session": session}

    def noop_update(self) -> dict[str, Any]:
        """A `session.update` that changes nothing: its `session.updated` is a round-trip marker."""
        return {"type": "session.update", "session": {} if self.beta else {"type": "realtime"}}

    def _ga_session(self) -> dict[str, Any]:
        audio_in: dict[str, Any] = {
            "format": self.input_format.ga(),
            "turn_detection": self.turn_detection.payload(),
        }
        if self.transcription_model:
            audio_in["transcription"] = {"model": self.transcription_model}
        return {
            "type": "realtime",
            "model": self.model,
            "output_modalities": list(self.output_modalities),
            "audio": {"input": audio_in, "output": {"format": self.output_format.ga(), "voice": self.voice}},
        }

    def _beta_session(self) -> dict[str, Any]:
        session: dict[str, Any] = {
            "modalities": sorted({"text", *self.output_modalities}),
            "voice": self.voice,
            "input_audio_format": self.input_format.beta(),
            "output_audio_format": self.output_format.beta(),
            "turn_detection": self.turn_detection.payload(),
        }
        if self.transcription_model:
            session["input_audio_transcription"] = {"model": self.transcription_model}
        return session


def tool_tuple(specs: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """Tool definitions as a tuple (config fields are immutable)."""
    return tuple(dict(s) for s in specs)
