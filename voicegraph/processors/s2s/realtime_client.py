"""RealtimeClient: a provider session that survives dropped sockets (setup, resume, audio backlog)."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.s2s.realtime_client_events import append_audio, create_item
from voicegraph.processors.s2s.realtime_connection import ConnectionLostError, RealtimeConnection
from voicegraph.processors.s2s.realtime_error_map import voice_error
from voicegraph.processors.s2s.realtime_event_decoder import decode_server_event
from voicegraph.processors.s2s.realtime_server_events import ServerError, SessionEvent

if TYPE_CHECKING:
    from collections.abc import Mapping

    from voicegraph.processors.s2s.realtime_options import RealtimeOptions
    from voicegraph.processors.s2s.realtime_session_config import RealtimeSessionConfig

_ids = itertools.count(1)


class RealtimeClient:
    """Opens and configures a provider session, and re-opens it when the socket drops.

    `start` connects, waits for `session.created`, sends `session.update` and waits for
    `session.updated` (a refusal raises its coded error, so a bad model or format fails
    the graph's start). `send` and `send_audio` never raise: while the connection is
    down, events are dropped (they belong to a session that is gone) and input audio is
    kept in a bounded backlog. `reconnect` re-opens with backoff, re-sends the session
    configuration, replays the conversation items it is given, then the backlog, in
    that order, before anything new goes out.

    Args:
        url, headers: where and how to connect.
        config: the session configuration.
        options: timeouts, reconnect policy and backlog size.
        backlog_bytes: most input audio kept while disconnected.
        node: node name for errors.
    """

    def __init__(
        self,
        *,
        url: str,
        headers: Mapping[str, str],
        config: RealtimeSessionConfig,
        options: RealtimeOptions,
        backlog_bytes: int,
        node: str | None = None,
    ) -> None:
        self.url = url
        self.headers = dict(headers)
        self.config = config
        self.options = options
        self.node = node
        self.ready = False
        """Connected and configured: events go out."""
        self.reconnects = 0
        self.dropped_audio_bytes = 0
        """Input audio lost because the backlog was full while disconnected."""
        self.session: dict[str, Any] = {}
        """The session as the provider last confirmed it."""
        self._conn: RealtimeConnection | None = None
        self._backlog: deque[bytes] = deque()
        self._backlog_bytes = 0
        self._backlog_limit = backlog_bytes

    async def start(self) -> None:
        """Connect and configure the session.

        Raises:
            VoiceError: the handshake's or the provider's coded refusal; (timeout) setup
                took longer than `setup_timeout_s`.
        """
        conn = self._connection()
        try:
            await conn.open()
            await self._setup(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self.ready = True

    async def _setup(self, conn: RealtimeConnection) -> None:
        try:
            async with asyncio.timeout(self.options.setup_timeout_s):
                await self._expect(conn, "session.created", "")
                event_id = f"vg_session_{next(_ids)}"
                await conn.send({**self.config.session_update(), "event_id": event_id})
                await self._expect(conn, "session.updated", event_id)
        except TimeoutError:
            raise VoiceError(
                ErrorCode.TIMEOUT, "realtime session setup timed out", node=self.node, retriable=True
            ) from None

    async def _expect(self, conn: RealtimeConnection, kind: str, event_id: str) -> None:
        while True:
            event = decode_server_event(await conn.recv())
            if isinstance(event, SessionEvent) and event.type == kind:
                self.session = event.session
                return
            if isinstance(event, ServerError) and (not event_id or event.event_id in ("", event_id)):
                error = {"type": event.error_type, "code": event.code, "message": event.message}
                err = voice_error({**error, "param": event.param}, node=self.node, context="session setup")
                if err is not None:
                    raise err

    def _connection(self) -> RealtimeConnection:
        return RealtimeConnection(
            self.url, self.headers, open_timeout_s=self.options.open_timeout_s, node=self.node
        )

    async def send(self, event: dict[str, Any]) -> bool:
        """Send one event; False when the connection is down (the event is dropped)."""
        conn = self._conn
        if not self.ready or conn is None:
            return False
        try:
            await conn.send(event)
        except ConnectionLostError:
            self.ready = False
            return False
        return True

    async def send_audio(self, chunk: bytes) -> bool:
        """Append input audio; kept in the backlog (bounded) while disconnected."""
        if self.ready and await self.send(append_audio(chunk)):
            return True
        self._backlog.append(chunk)
        self._backlog_bytes += len(chunk)
        while self._backlog_bytes > self._backlog_limit and self._backlog:
            gone = self._backlog.popleft()
            self._backlog_bytes -= len(gone)
            self.dropped_audio_bytes += len(gone)
        return False

    async def recv(self) -> str | bytes:
        """The next server message.

        Raises:
            ConnectionLostError: the socket dropped (`ready` is then False).
        """
        conn = self._conn
        if conn is None:
            raise ConnectionLostError("realtime connection is not open", node=self.node)
        try:
            return await conn.recv()
        except ConnectionLostError:
            self.ready = False
            raise

    async def reconnect(self, replay: list[dict[str, Any]]) -> VoiceError | None:
        """Re-open after a drop: configure, replay `replay` items, send the backlog.

        Returns None on success, else the last error (after `reconnect_attempts` tries,
        or at once for an error a retry cannot fix).
        """
        self.ready = False
        await self.close()
        delay = self.options.reconnect_backoff_s
        last: VoiceError = ConnectionLostError("realtime connection lost", node=self.node)
        for _ in range(self.options.reconnect_attempts):
            conn = self._connection()
            try:
                await conn.open()
                await self._setup(conn)
                await self._resume(conn, replay)
            except VoiceError as err:
                await conn.close()
                last = err
                if not err.retriable:
                    break
                await asyncio.sleep(delay)
                delay *= 2
                continue
            self._conn = conn
            self.ready = True
            self.reconnects += 1
            return None
        return last

    async def _resume(self, conn: RealtimeConnection, replay: list[dict[str, Any]]) -> None:
        for item in replay:
            await conn.send(create_item(item))
        while self._backlog:  # audio that arrives meanwhile joins the queue, so order holds
            chunk = self._backlog.popleft()
            self._backlog_bytes -= len(chunk)
            await conn.send(append_audio(chunk))

    async def close(self) -> None:
        """Close the socket."""
        conn, self._conn = self._conn, None
        self.ready = False
        if conn is not None:
            await conn.close()
