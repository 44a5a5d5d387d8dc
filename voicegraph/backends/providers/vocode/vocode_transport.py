"""VocodeTransport: one WebSocket port serving vocode's three client routes by path."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.vocode.agent_serializer import VocodeAgentSerializer, agent_start
from voicegraph.backends.providers.vocode.conversation_serializer import VocodeConversationSerializer
from voicegraph.backends.providers.vocode.telephony_server import VocodeTelephonyServer
from voicegraph.backends.providers.websocket import SessionWebSocketTransport
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.raw_pcm_serializer import RawPCMSerializer
from voicegraph.transports.twilio_serializer import TwilioSerializer
from voicegraph.transports.websocket_connection import WebSocketConnection

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.transports.client_messages import ClientStart
    from voicegraph.transports.serializer import Serializer


class _AgentConnection(WebSocketConnection):
    """A text-only session link: the agent protocol has no audio, so bot audio is dropped."""

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        return None


class VocodeTransport(SessionWebSocketTransport):
    """Serves vocode's WebSocket routes on one port, each path with its protocol.

    - `conversation_path` (`/conversation`): vocode's browser conversation protocol
      (`VocodeConversationSerializer`), audio both ways.
    - `connect_call_path` + id (`/connect_call/<id>`): the Twilio Media Stream of a call
      answered by the inbound-call webhook (`TwilioSerializer`; the id reaches hooks as
      `params["conversation_id"]`).
    - `agent_path` (`/agent`): vocode's user-implemented WebSocket agent
      (`VocodeAgentSerializer`): a vocode conversation sends transcripts, the served
      graph answers in text.
    Any other path gets a protocol_error close (4400). With `telephony_port` the
    inbound-call webhook (`VocodeTelephonyServer`) listens there. Sessions are admitted
    by the manager like any WebSocket session; latency and flush behaviour are those of
    `WebSocketTransport` (20 ms paced audio, barge-in stops the audio at once).

    Args:
        manager: the backend's session manager.
        conversation_path, connect_call_path, agent_path: the routes.
        inbound_call_path: the webhook's path (on `telephony_port`).
        telephony_port: the webhook's HTTP port (0: any free; None: no webhook).
        options: more `WebSocketTransport` arguments (host, port, call_control...).
    """

    def __init__(
        self,
        manager: SessionManager,
        *,
        conversation_path: str = "/conversation",
        connect_call_path: str = "/connect_call/",
        agent_path: str = "/agent",
        inbound_call_path: str = "/inbound_call",
        telephony_port: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(manager, transport_name="vocode", serializer=RawPCMSerializer, **options)
        self.conversation_path, self.agent_path = conversation_path, agent_path
        self.connect_call_path = connect_call_path
        if telephony_port is not None:
            self.twiml_server = VocodeTelephonyServer(
                inbound_path=inbound_call_path, connect_call_path=connect_call_path,
                host=self.host, port=telephony_port, public_url=self.public_url,
                stream_port=lambda: self.port, signature=self._twiml_signature,
            )  # fmt: skip

    def describe(self) -> dict[str, Any]:
        """Where it listens (the webhook port too, when served)."""
        info = super().describe()
        if self.twiml_server is not None:
            info["telephony_port"] = self.twiml_server.port
        return info

    def _route(self, ws: Any) -> tuple[Serializer, str]:
        request = getattr(ws, "request", None)
        path = str(getattr(request, "path", "") or "").split("?", 1)[0]
        if path == self.conversation_path:
            return VocodeConversationSerializer(), ""
        if path == self.agent_path:
            return VocodeAgentSerializer(), ""
        prefix = self.connect_call_path
        if path.startswith(prefix) and len(path) > len(prefix) and "/" not in path[len(prefix) :]:
            return TwilioSerializer(), path[len(prefix) :][:64]
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"no Vocode route at {path[:60]!r}")

    async def _handle(self, ws: Any) -> None:
        try:
            serializer, conversation_id = self._route(ws)
        except VoiceError as err:
            await self._reject(ws, RawPCMSerializer(), err)
            return
        if isinstance(serializer, VocodeAgentSerializer):
            await self._open(ws, serializer, agent_start())
            return
        start = await self._start_or_reject(ws, serializer)
        if start is None:
            return
        if conversation_id:
            start = dataclasses.replace(start, params={**start.params, "conversation_id": conversation_id})
        await self._open(ws, serializer, start)

    def _connection(self, serializer: Serializer, start: ClientStart) -> WebSocketConnection:
        if not isinstance(serializer, VocodeAgentSerializer):
            return super()._connection(serializer, start)
        return _AgentConnection(
            serializer, start, resume_grace_s=0.0, max_bad_messages=self.max_bad_messages,
            max_backlog_s=self.max_backlog_s,
        )  # fmt: skip
