"""VocodeAgentSerializer: the server side of vocode's WebSocket user-implemented agent.

A Vocode conversation configured with `WebSocketUserImplementedAgentConfig(respond=
RouteConfig(url="ws://host:port/agent"))` connects to voicegraph and sends each final
human transcript as `{"type":"websocket_agent_text","data":{"text":..},
"conversation_id":..}`. voicegraph answers through the served graph: each reply goes
back as one `websocket_agent_text` (vocode speaks each as a message), and a graph that
ends the call sends `websocket_agent_stop`. There is no start message: the transport
opens the session when the socket connects (`agent_start`). Vocode's agent drops its
socket on any message it cannot parse, so errors are never sent in-band: bad messages
are counted and the socket closes after too many.

Bot words: the text of a text-out graph's reply (`LLMTextFrame`s between
`LLMResponseStartFrame` and `LLMResponseEndFrame`, as the echo, scripted and LLM
agents emit them) is sent once the reply ends; a graph with TTS reports its final
`BotTextFrame` (the words played), sent as it comes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.llm import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.transports.client_messages import ClientEnd, ClientMessage, ClientStart, ClientText
from voicegraph.transports.json_message import json_object
from voicegraph.transports.serializer import Message, Serializer

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

MAX_TEXT = 4096
MAX_ID = 64


def _bad(message: str, code: ErrorCode = ErrorCode.PROTOCOL_ERROR) -> VoiceError:
    return VoiceError(code, message)


def agent_start() -> ClientStart:
    """The session start of an agent socket (text only; the formats are nominal)."""
    return ClientStart(PCM16K, PCM16K, params={"vocode_route": "agent"})


class VocodeAgentSerializer(Serializer):
    """Vocode's user-implemented WebSocket agent protocol (see the module docstring)."""

    name: ClassVar[str] = "vocode_agent"

    def __init__(self) -> None:
        self.conversation_id = ""
        self._reply: list[str] = []

    @property
    def call_id(self) -> str:
        return self.conversation_id

    def parse(self, message: Message) -> ClientMessage | None:
        if not isinstance(message, str):
            raise _bad("binary frames are not part of the Vocode agent protocol")
        obj = json_object(message, "type")
        cid = obj.get("conversation_id")
        if isinstance(cid, str) and cid and len(cid) <= MAX_ID:
            self.conversation_id = cid
        kind = obj["type"]
        if kind == "websocket_agent_text":
            data = obj.get("data")
            text = data.get("text") if isinstance(data, dict) else None
            if not isinstance(text, str) or len(text) > MAX_TEXT:
                raise _bad(f"data.text must be a string of at most {MAX_TEXT} chars", ErrorCode.INVALID_INPUT)
            return ClientText(text) if text.strip() else None
        if kind == "websocket_agent_stop":
            return ClientEnd(drain=False)
        raise _bad(f"unknown message type {kind[:40]!r}")

    def _text(self, text: str) -> str:
        body: dict[str, Any] = {"type": "websocket_agent_text", "data": {"text": text}}
        if self.conversation_id:
            body["conversation_id"] = self.conversation_id
        return json.dumps(body, separators=(",", ":"))

    def encode_audio(self, data: bytes) -> Message:
        raise _bad("the Vocode agent protocol carries no audio")  # the connection never calls it

    def encode_event(self, frame: Frame) -> Message | None:
        if isinstance(frame, LLMResponseStartFrame):
            self._reply = []
        elif isinstance(frame, LLMTextFrame):
            self._reply.append(frame.text)
        elif isinstance(frame, LLMResponseEndFrame):
            text, self._reply = "".join(self._reply).strip(), []
            return self._text(text) if text else None
        elif isinstance(frame, BotTextFrame) and frame.final and frame.text.strip():
            return self._text(frame.text.strip())
        return None

    def encode_end(self) -> Message | None:
        body: dict[str, Any] = {"type": "websocket_agent_stop"}
        if self.conversation_id:
            body["conversation_id"] = self.conversation_id
        return json.dumps(body, separators=(",", ":"))
