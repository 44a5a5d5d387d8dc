"""RTVIRequests: what a client's RTVI requests mean for the session (replies and graph frames)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames.control import TurnEndFrame
from voicegraph.framework.frames.system import InterruptRequestFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.client_messages import DTMF_DIGITS
from voicegraph.transports.dtmf_frame import DTMFFrame
from voicegraph.transports.rtvi.rtvi_frames import RTVIClientMessageFrame
from voicegraph.transports.rtvi.rtvi_message import LEGACY_MAJOR, PROTOCOL_VERSION, rtvi_message

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.rtvi.rtvi_message import RTVIMessage

MAX_TEXT = 4096
ABOUT = {"library": "voicegraph", "library_version": "0"}


@dataclass(slots=True)
class RTVIReply:
    """The outcome of one client request."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    """RTVI messages for the client (bot-ready, error-response...), in order."""
    frames: list[Frame] = field(default_factory=list)
    """Frames to push into the session's graph, in order."""
    end: bool = False
    """The client asked the bot to leave (`disconnect-bot`): drain and end."""


class _InvalidRequestError(ValueError):
    """A request whose data does not fit its type (answered `Invalid message: ...`)."""


class RTVIRequests:
    """Interprets a client's RTVI requests; I/O-free, one per session.

    Handles `client-ready` (answered `bot-ready`, with an `error-response` first when
    the client's protocol major is neither ours nor 1), `disconnect-bot`,
    `client-message` (an `RTVIClientMessageFrame` into the graph), `send-text` and the
    deprecated `append-to-context` with role `user` (a barge-in, then the text as the
    user's final transcript and a turn end, so the agent answers it), and `dtmf` (one `DTMFFrame` per
    button). Anything else, or bad data, is answered with an RTVI `error-response`
    carrying the request's id; the session goes on. Adds no latency.

    Args:
        user_id: the session's user id (put on injected transcripts).
    """

    def __init__(self, *, user_id: str = "") -> None:
        self.user_id = user_id
        self.client_version: tuple[int, ...] = ()
        """The client's protocol version from `client-ready` (empty before it)."""
        self.client_about: dict[str, Any] = {}
        self.ready = False
        """Whether the client sent `client-ready` (and was answered `bot-ready`)."""

    @property
    def legacy(self) -> bool:
        """The client speaks RTVI 1.x (served the v1 `bot-output` form)."""
        return bool(self.client_version) and self.client_version[0] == LEGACY_MAJOR

    def handle(self, msg: RTVIMessage) -> RTVIReply:
        """The replies and graph frames for one request (never raises for bad data)."""
        try:
            return self._dispatch(msg)
        except _InvalidRequestError as exc:
            return RTVIReply(messages=[error_response(msg.id, f"Invalid message: {exc}")])

    def _dispatch(self, msg: RTVIMessage) -> RTVIReply:
        kind = msg.type
        if kind == "client-ready":
            return self._client_ready(msg)
        if kind == "disconnect-bot":
            return RTVIReply(end=True)
        if kind == "client-message":
            data = _object(msg.data)
            t = data.get("t")
            if not isinstance(t, str) or not t:
                raise _InvalidRequestError('client-message needs a string "t"')
            return RTVIReply(frames=[RTVIClientMessageFrame(msg_id=msg.id, kind=t, data=data.get("d"))])
        if kind == "send-text":
            data = _object(msg.data)
            return self._user_text(data.get("content"), _object(data.get("options") or {}))
        if kind == "append-to-context":
            data = _object(msg.data)
            if data.get("role") != "user":
                raise _InvalidRequestError('append-to-context supports role "user" only')
            return self._user_text(
                data.get("content"), {"run_immediately": data.get("run_immediately", True)}
            )
        if kind == "dtmf":
            return RTVIReply(frames=[DTMFFrame(digit=d) for d in _buttons(msg.data)])
        return RTVIReply(messages=[error_response(msg.id, f"Unsupported type {kind}")])

    def _client_ready(self, msg: RTVIMessage) -> RTVIReply:
        data = msg.data if isinstance(msg.data, dict) else {}
        version, about = data.get("version"), data.get("about")
        self.client_about = about if isinstance(about, dict) else {}
        messages: list[dict[str, Any]] = []
        problem = ""
        try:
            parts = tuple(int(p) for p in str(version).split("."))
            if len(parts) != 3:
                raise ValueError
            self.client_version = parts
            if parts[0] not in (int(PROTOCOL_VERSION.split(".")[0]), LEGACY_MAJOR):
                problem = f"RTVI version {version} is not compatible with server protocol {PROTOCOL_VERSION}."
        except ValueError:
            problem = (
                "Client version unknown."
                if version is None
                else f"Invalid client version format ({version})."
            )
        if problem:
            messages.append(error_response(msg.id, problem + " Compatibility issues may occur."))
        served = ".".join(map(str, self.client_version)) if self.legacy else PROTOCOL_VERSION
        messages.append(rtvi_message("bot-ready", {"version": served, "about": ABOUT}, msg_id=msg.id))
        self.ready = True
        return RTVIReply(messages=messages)

    def _user_text(self, content: object, options: dict[str, Any]) -> RTVIReply:
        if not isinstance(content, str) or not content.strip() or len(content) > MAX_TEXT:
            raise _InvalidRequestError(f"content must be a non-empty string of at most {MAX_TEXT} chars")
        if options.get("run_immediately", True) is not True:
            raise _InvalidRequestError(
                "run_immediately=false is not supported (the text always starts a reply)"
            )
        if options.get("audio_response", True) is not True:
            raise _InvalidRequestError("audio_response=false is not supported (replies are spoken)")
        text = TranscriptFrame(text=content.strip(), user_id=self.user_id)
        # the turn end confirms the turn, as the turn detector's does for speech (a
        # preemptive reply is held until it comes)
        return RTVIReply(frames=[InterruptRequestFrame(reason="client"), text, TurnEndFrame()])


def error_response(msg_id: str, error: str) -> dict[str, Any]:
    """An RTVI `error-response` to request `msg_id`."""
    return rtvi_message("error-response", {"error": error}, msg_id=msg_id)


def _object(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _InvalidRequestError("data must be an object")
    return data


def _buttons(data: object) -> list[str]:
    buttons = _object(data).get("buttons")
    if not isinstance(buttons, list) or not buttons or len(buttons) > 32:
        raise _InvalidRequestError("dtmf needs 1 to 32 buttons")
    if not all(isinstance(b, str) and b in DTMF_DIGITS for b in buttons):
        raise _InvalidRequestError("dtmf buttons are 0-9, *, #, A-D")
    return [str(b) for b in buttons]
