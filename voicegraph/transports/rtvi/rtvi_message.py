"""RTVI messages: the envelope Pipecat's clients and servers exchange (`label: rtvi-ai`).

`{"label": "rtvi-ai", "type": "<kebab-case>", "id": "<str>", "data": {...}}`. Server
events may omit `id` and `data`; replies to a request reuse its `id`. Protocol facts:
/work/shared/protocols/rtvi.md and Pipecat's `processors/frameworks/rtvi/models.py`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError

LABEL = "rtvi-ai"
PROTOCOL_VERSION = "2.2.0"
"""The protocol this server speaks (Pipecat 1.14's); clients of the same major are served."""
LEGACY_MAJOR = 1
"""1.x clients are accepted too and get the v1 `bot-output` form (`spoken: bool`)."""
MAX_MESSAGE_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class RTVIMessage:
    """One RTVI message from a client."""

    type: str
    """The kebab-case message type (`client-ready`, `send-text`...)."""
    id: str = ""
    """The client's message id; replies reuse it."""
    data: Any = None
    """The type's payload (a dict for every request type)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Any other top-level keys (kept, never interpreted)."""


def rtvi_message(kind: str, data: Any = None, *, msg_id: str | None = None) -> dict[str, Any]:
    """A server message: `{"label": "rtvi-ai", "type": kind[, "id"][, "data"]}`.

    Events without a payload leave `data` out, as Pipecat does; replies carry the
    request's id (`msg_id`); other messages get a fresh short id only when asked.
    """
    out: dict[str, Any] = {"label": LABEL, "type": kind}
    if msg_id is not None:
        out["id"] = msg_id
    if data is not None:
        out["data"] = data
    return out


def new_id() -> str:
    """A message id like the JS client's (8 hex chars of a uuid4)."""
    return uuid.uuid4().hex[:8]


def parse_json(text: str) -> dict[str, Any]:
    """The JSON object of one transport message.

    Raises:
        VoiceError: (protocol_error) not JSON, too long or not an object.
    """
    if len(text) > MAX_MESSAGE_CHARS:
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"message longer than {MAX_MESSAGE_CHARS} chars")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, "a transport message is a JSON object")
    return obj


def parse_rtvi(obj: dict[str, Any]) -> RTVIMessage | None:
    """The RTVI message in a transport message; None when it is not RTVI (other label).

    Raises:
        VoiceError: (protocol_error) an `rtvi-ai` message without a string `type`, or
            with a non-string `id`.
    """
    if obj.get("label") != LABEL:
        return None
    kind, msg_id = obj.get("type"), obj.get("id", "")
    if not isinstance(kind, str) or not kind:
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, 'an RTVI message needs a string "type"')
    if not isinstance(msg_id, str):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, 'an RTVI message "id" is a string')
    extra = {k: v for k, v in obj.items() if k not in ("label", "type", "id", "data")}
    return RTVIMessage(kind[:64], msg_id[:64], obj.get("data"), extra)


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON of a server message."""
    return json.dumps(message, separators=(",", ":"), default=str)
