"""WebSocketConnection: one session's link to its client over WebSocket, via a serializer."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.audio import InputAudioFrame
from voicegraph.framework.frames.call import TransferCallFrame
from voicegraph.framework.frames.control import EndFrame
from voicegraph.framework.frames.system import InterruptRequestFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.call_action_event import call_action_close_reason
from voicegraph.transports.client_messages import (
    ClientAudio,
    ClientDtmf,
    ClientEnd,
    ClientInterrupt,
    ClientMark,
    ClientMessage,
    ClientText,
)
from voicegraph.transports.close_codes import NORMAL, close_code, close_reason
from voicegraph.transports.connection import Connection
from voicegraph.transports.dtmf_frame import DTMFFrame

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.frames.call import CallActionFrame
    from voicegraph.transports.call_control import CallControl
    from voicegraph.transports.client_messages import ClientStart
    from voicegraph.transports.serializer import Message, Serializer

log = logging.getLogger("voicegraph.transports.websocket")


class WebSocketConnection(Connection):
    """A session's link to a WebSocket client; the socket may change (resume), the session not.

    Reads client messages through the serializer into an inbox as they arrive (`pump`),
    whether or not the session reads yet: audio sent while the session starts is kept
    (up to `max_backlog_s`) and answered once it runs. Bad messages get a coded error and
    are counted (after `max_bad_messages` the socket is closed with the error's close
    code). Writes bot audio, events, clears and marks through it. When the socket drops,
    the session waits `resume_grace_s` for the client to come back with its resume token
    (bot output meanwhile is dropped and counted); otherwise the client is lost. A send
    that blocks longer than `send_timeout_s` (a client that stopped reading) closes the
    socket.

    Args:
        serializer: the wire protocol, already past its start message.
        start: the client's start message.
        resume_grace_s: how long a dropped socket may be replaced (0: no resume).
        max_bad_messages: bad messages tolerated before the socket is closed.
        send_timeout_s: deadline of one send.
        call_control: the provider's API for hang-ups and transfers of phone calls
            (telephony serializers only; see `perform_call_action`).
        max_backlog_s: most client audio kept while the session is not reading it (it
            starts, or waits for the engines' preload); past it the oldest is dropped.
    """

    def __init__(
        self,
        serializer: Serializer,
        start: ClientStart,
        *,
        resume_grace_s: float = 0.0,
        max_bad_messages: int = 10,
        send_timeout_s: float = 5.0,
        call_control: CallControl | None = None,
        max_backlog_s: float = 120.0,
    ) -> None:
        super().__init__(input_format=start.input_format, output_format=start.output_format)
        self.serializer = serializer
        self.start = start
        self.supports_marks = serializer.supports_marks
        resumable = serializer.supports_resume and resume_grace_s > 0
        self.resume_token = secrets.token_urlsafe(18) if resumable else ""
        self.resumed = False
        """The session continues a persisted one (its process restarted): `started` says so."""
        self.bad_messages = 0
        self.dropped_messages = 0
        """Messages for the client dropped while no socket was attached."""
        self._grace = resume_grace_s if resumable else 0.0
        self._max_bad = max_bad_messages
        self._send_timeout = send_timeout_s
        self._call_control = call_control
        self._ws: Any = None  # websockets ServerConnection; Any keeps websockets optional
        self._attached = asyncio.Event()
        self._inbox: deque[ClientMessage] = deque()  # bounded by audio duration, see _enqueue
        self._backlog_ns = 0
        self._max_backlog_ns = int(max_backlog_s * 1e9)
        self._wake = asyncio.Event()
        self.dropped_audio_ns = 0
        """Client audio dropped because more than `max_backlog_s` was queued."""

    # -- sockets --------------------------------------------------------------------------
    def attach(self, ws: Any) -> Any:
        """Use socket `ws` from now on; returns the socket it replaces (or None)."""
        old, self._ws = self._ws, ws
        self._attached.set()
        return old

    def _detach(self, ws: Any) -> None:
        if self._ws is ws:
            self._ws = None
            self._attached.clear()
            self._wake.set()

    @property
    def attached(self) -> bool:
        """Whether a client socket is attached now."""
        return self._ws is not None

    async def send_started(self, *, resumed: bool) -> None:
        """Acknowledge the client's start message."""
        await self._send(self.serializer.encode_started(self.session_id, self.resume_token, resumed=resumed))

    async def close(self, err: VoiceError | None = None) -> None:
        """End the session's socket: an error or end message, then the close frame."""
        ws = self._ws
        if ws is None:
            return
        await self._send(self.serializer.encode_error(err) if err else self.serializer.encode_end())
        if err is not None:
            code, reason = close_code(err.code), close_reason(err)
        else:
            code, reason = NORMAL, call_action_close_reason(self.call_action)
        await ws.close(code, reason)
        self._detach(ws)

    # -- client to graph ------------------------------------------------------------------
    async def pump(self, ws: Any) -> None:
        """Read socket `ws` into the inbox until it closes (the transport runs this beside the
        session, from the start message on, so audio sent while the session starts is
        kept, and the socket's keepalive pings are answered meanwhile)."""
        from websockets.exceptions import ConnectionClosed

        while True:
            try:
                message = await ws.recv()
            except ConnectionClosed as exc:
                if exc.sent is not None and exc.sent.code == 1009:  # websockets refused a message
                    log.info("session %s: bad message: [%s] over the size limit; closed 1009",
                             self.session_id, ErrorCode.PROTOCOL_ERROR)  # fmt: skip
                self._detach(ws)
                return
            try:
                msg = self.serializer.parse(message)
            except VoiceError as err:
                await self._bad_message(ws, err)
                continue
            await self._after_parse()
            if isinstance(msg, ClientMark):
                await self.deliver_mark(msg.name)  # playout bookkeeping, not graph input
            elif msg is not None:
                self._enqueue(msg)

    async def _after_parse(self) -> None:
        """Runs after each message parsed, before it is taken in: a protocol layered on the
        socket (RTVI) sends its replies and queues what the message implied. Nothing here."""

    def _enqueue(self, msg: ClientMessage) -> None:
        self._inbox.append(msg)
        if isinstance(msg, ClientAudio):
            self._backlog_ns += self.input_format.duration_ns(len(msg.data))
            while self._backlog_ns > self._max_backlog_ns:
                self._drop_oldest_audio()
        self._wake.set()

    def _drop_oldest_audio(self) -> None:
        for i, queued in enumerate(self._inbox):
            if isinstance(queued, ClientAudio):
                del self._inbox[i]
                gone = self.input_format.duration_ns(len(queued.data))
                self._backlog_ns -= gone
                self.dropped_audio_ns += gone
                if self.dropped_audio_ns == gone:
                    log.warning("session %s: over %.0f s of audio queued; dropping the oldest",
                                self.session_id, self._max_backlog_ns / 1e9)  # fmt: skip
                return

    @property
    def backlog_s(self) -> float:
        """Seconds of client audio received and not yet taken by the session."""
        return self._backlog_ns / 1e9

    async def receive(self) -> Frame | None:
        while True:
            if self._inbox:
                msg = self._inbox.popleft()
                if isinstance(msg, ClientAudio):
                    self._backlog_ns -= self.input_format.duration_ns(len(msg.data))
                if isinstance(msg, ClientEnd):
                    return EndFrame(reason="client_end") if msg.drain else None
                frame = await self._to_frame(msg)
                if frame is not None:
                    return frame
            elif self._ws is None:
                if not await self._await_resume():
                    return None
            else:
                self._wake.clear()
                await self._wake.wait()

    async def _to_frame(self, msg: ClientMessage | None) -> Frame | None:
        if isinstance(msg, ClientAudio):
            return InputAudioFrame(data=msg.data, format=self.input_format)
        if isinstance(msg, ClientMark):
            await self.deliver_mark(msg.name)
            return None
        if isinstance(msg, ClientText):
            return TranscriptFrame(text=msg.text, user_id=self.session_id)
        if isinstance(msg, ClientInterrupt):
            return InterruptRequestFrame(reason="client")
        if isinstance(msg, ClientDtmf):
            return DTMFFrame(digit=msg.digit)
        return None

    async def _await_resume(self) -> bool:
        if self._grace <= 0 or self.finished:
            return False
        try:
            async with asyncio.timeout(self._grace):
                await self._attached.wait()
        except TimeoutError:
            return False
        return True

    async def _bad_message(self, ws: Any, err: VoiceError) -> None:
        self.bad_messages += 1
        log.info("session %s: bad message: %s", self.session_id, err)  # one coded line per bad input
        self.report(err)
        await self._send(self.serializer.encode_error(err))
        if self.bad_messages >= self._max_bad:
            final = VoiceError(err.code, f"too many bad messages ({self.bad_messages}); last: {err.message}")
            await self._send(self.serializer.encode_error(final))
            await ws.close(close_code(final.code), close_reason(final))

    # -- graph to client ------------------------------------------------------------------
    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        await self._send(self.serializer.encode_audio(data))

    async def write_event(self, frame: Frame) -> None:
        await self._send(self.serializer.encode_event(frame))

    async def write_clear(self) -> None:
        await self._send(self.serializer.encode_clear())

    async def write_mark(self, name: str) -> None:
        await self._send(self.serializer.encode_mark(name))

    async def perform_call_action(self, frame: CallActionFrame) -> None:
        """Hang up or transfer, then end the session (see `Connection.perform_call_action`).

        A raw client gets an `end_call`/`transfer_call` event and carries it out. A phone
        call (telephony serializer) goes through `call_control` when given; without it a
        hang-up just closes the stream (Twilio then runs the TwiML after `<Connect>`:
        none, so the call ends) and a transfer is refused.

        Raises:
            VoiceError: invalid_config (a transfer without call control), or the
                provider's error; the session goes on.
        """
        if self.serializer.telephony:
            if self._call_control is not None:
                await self._call_control.perform(frame, self.serializer.call_id)
            elif isinstance(frame, TransferCallFrame):
                raise VoiceError(
                    ErrorCode.INVALID_CONFIG,
                    "transferring a phone call needs call control (e.g. TwilioCallControl) on the transport",
                )
        await super().perform_call_action(frame)

    async def _send(self, message: Message | None) -> None:
        if message is None:
            return
        ws = self._ws
        if ws is None:
            self.dropped_messages += 1
            return
        from websockets.exceptions import ConnectionClosed

        try:
            async with asyncio.timeout(self._send_timeout):
                await ws.send(message)
        except ConnectionClosed:
            self._detach(ws)
        except TimeoutError:
            log.warning("session %s: client stopped reading; closing its socket", self.session_id)
            self._detach(ws)
            ws.transport.abort()  # a close handshake would wait behind the full buffer
