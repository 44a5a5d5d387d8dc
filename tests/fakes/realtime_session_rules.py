"""Session rules of the fake realtime server: what `session.update` may say (GA and beta)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar")
MODELS = (
    "gpt-realtime", "gpt-realtime-mini", "gpt-realtime-2025-08-28", "gpt-4o-realtime-preview",
    "gpt-4o-mini-realtime-preview",
)  # fmt: skip
_GA_FORMATS = {"audio/pcm": "pcm", "audio/pcmu": "pcmu", "audio/pcma": "pcma"}
_BETA_FORMATS = {"pcm16": "pcm", "g711_ulaw": "pcmu", "g711_alaw": "pcma"}
_GA_KEYS = {
    "type", "model", "instructions", "output_modalities", "audio", "tools", "tool_choice",
    "max_output_tokens", "tracing", "truncation", "include", "prompt",
}  # fmt: skip
_BETA_KEYS = {
    "model", "modalities", "instructions", "voice", "input_audio_format", "output_audio_format",
    "input_audio_transcription", "input_audio_noise_reduction", "turn_detection", "tools",
    "tool_choice", "temperature", "max_response_output_tokens", "speed", "tracing",
}  # fmt: skip
DEFAULT_VAD = {
    "type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500,
    "create_response": True, "interrupt_response": True,
}  # fmt: skip


class FakeRealtimeError(Exception):
    """A refusal the fake sends back as an `error` event."""

    def __init__(self, code: str, message: str, param: str = "", kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.code, self.message, self.param, self.kind = code, message, param, kind

    def payload(self, event_id: str = "") -> dict[str, Any]:
        """The `error` object."""
        return {
            "type": self.kind, "code": self.code, "message": self.message, "param": self.param or None,
            "event_id": event_id or None,
        }  # fmt: skip


@dataclass
class FakeSession:
    """The fake's session state (the GA view; beta sessions are read into it)."""

    beta: bool
    model: str
    instructions: str = ""
    voice: str = "marin"
    input_format: str = "pcm"
    output_format: str = "pcm"
    turn_detection: dict[str, Any] | None = field(default_factory=lambda: dict(DEFAULT_VAD))
    transcription: bool = False
    tools: list[dict[str, Any]] = field(default_factory=list)
    output_modalities: list[str] = field(default_factory=lambda: ["audio"])
    spoke: bool = False
    """The model has produced audio (the voice may no longer change)."""

    def view(self) -> dict[str, Any]:
        """The session as `session.created`/`session.updated` report it."""
        if self.beta:
            return {
                "object": "realtime.session", "model": self.model, "voice": self.voice,
                "instructions": self.instructions, "turn_detection": self.turn_detection,
                "input_audio_format": _beta_name(self.input_format),
                "output_audio_format": _beta_name(self.output_format), "tools": self.tools,
            }  # fmt: skip
        return {
            "type": "realtime", "object": "realtime.session", "model": self.model,
            "instructions": self.instructions, "output_modalities": self.output_modalities,
            "tools": self.tools,
            "audio": {
                "input": {"format": _ga_format(self.input_format), "turn_detection": self.turn_detection},
                "output": {"format": _ga_format(self.output_format), "voice": self.voice},
            },
        }  # fmt: skip


def _ga_format(name: str) -> dict[str, Any]:
    return {"type": "audio/pcm", "rate": 24000} if name == "pcm" else {"type": f"audio/{name}"}


def _beta_name(name: str) -> str:
    return {v: k for k, v in _BETA_FORMATS.items()}[name]


def apply_update(session: FakeSession, update: Any) -> None:
    """Apply `session.update`'s `session` object, or raise the error the service would send."""
    if not isinstance(update, dict):
        raise FakeRealtimeError("invalid_type", "session must be an object", "session")
    staged = copy.deepcopy(session)
    if session.beta:
        _apply_beta(staged, update)
    else:
        _apply_ga(staged, update)
    if staged.voice != session.voice and session.spoke:
        raise FakeRealtimeError(
            "invalid_value", "the voice cannot change once the model has spoken", "session.voice"
        )
    session.__dict__.update(staged.__dict__)


def _unknown(update: dict[str, Any], known: set[str]) -> None:
    for key in update:
        if key not in known:
            raise FakeRealtimeError(
                "unknown_parameter", f"Unknown parameter: 'session.{key}'.", f"session.{key}"
            )


def _apply_ga(s: FakeSession, u: dict[str, Any]) -> None:
    _unknown(u, _GA_KEYS)
    if u.get("type") != "realtime":
        raise FakeRealtimeError(
            "missing_required_parameter", "session.type must be 'realtime'", "session.type"
        )
    _common(s, u)
    if "output_modalities" in u:
        s.output_modalities = _modalities(u["output_modalities"], "session.output_modalities")
    audio = u.get("audio", {})
    if not isinstance(audio, dict):
        raise FakeRealtimeError("invalid_type", "audio must be an object", "session.audio")
    audio_in, audio_out = audio.get("input", {}), audio.get("output", {})
    if "format" in audio_in:
        s.input_format = _ga_format_name(audio_in["format"], "session.audio.input.format")
    if "turn_detection" in audio_in:
        s.turn_detection = _turn_detection(audio_in["turn_detection"], "session.audio.input.turn_detection")
    if "transcription" in audio_in:
        s.transcription = audio_in["transcription"] is not None
    if "format" in audio_out:
        s.output_format = _ga_format_name(audio_out["format"], "session.audio.output.format")
    if "voice" in audio_out:
        s.voice = _voice(audio_out["voice"], "session.audio.output.voice")


def _apply_beta(s: FakeSession, u: dict[str, Any]) -> None:
    _unknown(u, _BETA_KEYS)
    _common(s, u)
    for key, attr in (("input_audio_format", "input_format"), ("output_audio_format", "output_format")):
        if key in u:
            if u[key] not in _BETA_FORMATS:
                supported = ", ".join(_BETA_FORMATS)
                msg = f"Invalid value: '{u[key]}'. Supported values are: {supported}."
                raise FakeRealtimeError("invalid_value", msg, f"session.{key}")
            setattr(s, attr, _BETA_FORMATS[u[key]])
    if "modalities" in u:
        modalities = _modalities(u["modalities"], "session.modalities")
        s.output_modalities = ["audio"] if "audio" in modalities else ["text"]
    if "turn_detection" in u:
        s.turn_detection = _turn_detection(u["turn_detection"], "session.turn_detection")
    if "input_audio_transcription" in u:
        s.transcription = u["input_audio_transcription"] is not None
    if "voice" in u:
        s.voice = _voice(u["voice"], "session.voice")


def _common(s: FakeSession, u: dict[str, Any]) -> None:
    if "model" in u:
        if not isinstance(u["model"], str):
            raise FakeRealtimeError("invalid_type", "model must be a string", "session.model")
        s.model = u["model"]
    if "instructions" in u:
        if not isinstance(u["instructions"], str):
            raise FakeRealtimeError("invalid_type", "instructions must be a string", "session.instructions")
        s.instructions = u["instructions"]
    if "tools" in u:
        s.tools = _tools(u["tools"])


def _ga_format_name(value: Any, param: str) -> str:
    if not isinstance(value, dict):
        raise FakeRealtimeError("invalid_type", f"Invalid type for '{param}': expected an object.", param)
    name = _GA_FORMATS.get(str(value.get("type")))
    if name is None:
        raise FakeRealtimeError("invalid_value", f"Invalid value for '{param}.type'.", f"{param}.type")
    if name == "pcm":
        if "rate" not in value:
            raise FakeRealtimeError("missing_required_parameter", f"Missing '{param}.rate'.", f"{param}.rate")
        if value["rate"] != 24000:
            raise FakeRealtimeError("invalid_value", "audio/pcm is 24000 Hz only", f"{param}.rate")
    return name


def _modalities(value: Any, param: str) -> list[str]:
    if not isinstance(value, list) or not value or not set(value) <= {"audio", "text"}:
        raise FakeRealtimeError("invalid_value", "modalities are 'audio' and/or 'text'", param)
    return list(value)


def _turn_detection(value: Any, param: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") not in ("server_vad", "semantic_vad"):
        raise FakeRealtimeError("invalid_value", "turn_detection.type is server_vad or semantic_vad", param)
    threshold = value.get("threshold", 0.5)
    if not isinstance(threshold, int | float) or not 0.0 <= threshold <= 1.0:
        raise FakeRealtimeError("invalid_value", "threshold is between 0 and 1", f"{param}.threshold")
    if value.get("eagerness", "auto") not in ("low", "medium", "high", "auto"):
        raise FakeRealtimeError("invalid_value", "bad eagerness", f"{param}.eagerness")
    base = (
        dict(DEFAULT_VAD)
        if value["type"] == "server_vad"
        else {"create_response": True, "interrupt_response": True}
    )
    return {**base, **value}


def _voice(value: Any, param: str) -> str:
    if value not in VOICES:
        raise FakeRealtimeError("invalid_value", f"Invalid value: '{value}'.", param)
    return str(value)


def _tools(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise FakeRealtimeError("invalid_type", "tools must be an array", "session.tools")
    for i, tool in enumerate(value):
        if (
            not isinstance(tool, dict)
            or tool.get("type") != "function"
            or not isinstance(tool.get("name"), str)
        ):
            raise FakeRealtimeError(
                "invalid_value", "a tool is {type: function, name, ...}", f"session.tools[{i}]"
            )
    return [dict(t) for t in value]
