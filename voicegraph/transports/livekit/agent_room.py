"""AgentRoom: the agent in one LiveKit room, with one session per user participant."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.transports.livekit.agent_track import AgentTrack
from voicegraph.transports.livekit.backoff import Backoff
from voicegraph.transports.livekit.data_message_frame import DataMessageFrame
from voicegraph.transports.livekit.livekit_errors import connect_error, timeout_error
from voicegraph.transports.livekit.participant_connection import ParticipantConnection, SessionState
from voicegraph.transports.livekit.room_event_frame import RoomEvent

if TYPE_CHECKING:
    from voicegraph.transports.connection import Connection
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig
    from voicegraph.transports.livekit.room_admin import RoomAdmin
    from voicegraph.transports.livekit.token_issuer import TokenIssuer

log = logging.getLogger("voicegraph.transports.livekit")

SessionRunner = Callable[["Connection"], Awaitable[None]]
"""Runs one session to its end (a `GraphSessionRunner`, or a session manager's)."""

# DisconnectReason values after which rejoining makes no sense (see livekit_models.proto)
_FINAL = {1: "client_initiated", 2: "duplicate_identity", 4: "participant_removed", 5: "room_deleted",
          10: "room_closed", 12: "user_rejected"}  # fmt: skip
_AGENT_KINDS = (2, 4)  # egress, agent: never users


class RoomState(enum.StrEnum):
    """The agent's connection to its room."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class AgentRoom:
    """Joins one room with the realtime SDK and runs a session per user participant.

    Each user (any participant but agents and egress) gets a `ParticipantConnection`
    with its own graph (run by `runner`) and its own published `AgentTrack`. The user's
    audio track is read at the LiveKit rate and fed to the connection; their data
    messages become `DataMessageFrame`s; joins, leaves, mutes and the agent's own
    reconnects become `RoomEventFrame`s and session states. A user who leaves keeps
    their session for `rejoin_grace_s`; coming back (same identity) resumes it.

    Connection loss: the SDK first resumes or fully reconnects by itself (republishing
    the tracks); when it gives up, this room reconnects with `Backoff` (recreating the
    room when `create`), republishes every session's track and re-attaches users as
    they come back. Sessions keep their graphs throughout. Reasons that make a rejoin
    pointless (room deleted, removed, duplicate identity) end every session.

    Args:
        name: the room.
        config: server, credentials and timings.
        tokens: signs the agent's token.
        runner: runs one session per user connection.
        admin: RoomService client, used to create the room (when `create`).
        create: create the room if missing (else joining an unknown room fails).
    """

    def __init__(
        self,
        name: str,
        *,
        config: LiveKitConfig,
        tokens: TokenIssuer,
        runner: SessionRunner,
        admin: RoomAdmin | None = None,
        create: bool = True,
    ) -> None:
        self.name = name
        self.config = config
        self._tokens, self._runner, self._admin, self._create = tokens, runner, admin, create
        self.state = RoomState.CONNECTING
        self.sessions: dict[str, ParticipantConnection] = {}
        """Live sessions by user identity."""
        self.reconnects = 0
        """Connection losses recovered (by the SDK or by this room)."""
        self.last_error: VoiceError | None = None
        self._room: Any = None
        self._present: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()  # no task group at this level: tracked here
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._graces: dict[str, asyncio.Task[None]] = {}
        self._closing = False

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Join the room.

        Raises:
            VoiceError: authentication_failed, authorization_failed, connection_failed
                (unknown room, refused) or connection_timeout.
        """
        await self._connect()

    async def close(self) -> None:
        """End every session (cancelled, not drained) and leave the room."""
        self._closing = True
        self.state = RoomState.CLOSED
        for conn in list(self.sessions.values()):
            conn.finish(lost=True)
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=5.0)
            for t in pending:
                t.cancel()
        room, self._room = self._room, None
        if room is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5.0):
                    await room.disconnect()

    async def _connect(self) -> None:
        try:
            from livekit import rtc
        except ImportError:
            raise missing_dependency("livekit", "livekit") from None
        cfg = self.config
        room = rtc.Room()
        self._wire(room)
        try:
            async with asyncio.timeout(cfg.connect_timeout_s):
                if self._create and self._admin is not None:
                    await self._admin.create_room(self.name)
                token = await self._tokens.agent_token(self.name)
                self._room = room
                await room.connect(cfg.url, token, rtc.RoomOptions(auto_subscribe=True))
        except TimeoutError:
            self._room = None
            raise timeout_error(f"joining {self.name!r}") from None
        except rtc.ConnectError as exc:
            self._room = None
            raise connect_error(exc, room=self.name) from None
        except BaseException:
            self._room = None
            raise
        self.state = RoomState.CONNECTED
        self._present = {p.identity for p in room.remote_participants.values() if self._is_user(p)}
        for conn in list(self.sessions.values()):
            await self._publish(conn)
        for p in list(room.remote_participants.values()):
            self._on_participant(p)

    async def _reconnect(self) -> None:
        cfg = self.config
        backoff = Backoff(cfg.reconnect_initial_s, cfg.reconnect_max_s, attempts=cfg.reconnect_attempts)
        while not self._closing and (delay := backoff.next_delay()) is not None:
            await asyncio.sleep(delay)
            try:
                await self._connect()
            except VoiceError as err:
                self.last_error = err
                log.warning("room %s: reconnect attempt %d failed: %s", self.name, backoff.count, err)
                continue
            self.reconnects += 1
            for conn in list(self.sessions.values()):
                self._refresh(conn, RoomEvent.RECONNECTED)
            return
        if not self._closing:
            self._end_all("gave up reconnecting")

    def _end_all(self, reason: str) -> None:
        self.state = RoomState.CLOSED
        for conn in list(self.sessions.values()):
            conn.set_state(conn.state, RoomEvent.DISCONNECTED, reason)
            conn.finish(lost=True)

    # -- sessions -------------------------------------------------------------------------
    async def _run_session(self, conn: ParticipantConnection) -> None:
        try:
            await self._publish(conn)
            await self._runner(conn)
        except Exception:
            log.exception("room %s: session of %s failed", self.name, conn.identity)
        finally:
            conn.finish(lost=True)
            if self.sessions.get(conn.identity) is conn:
                del self.sessions[conn.identity]
                self._cancel(self._readers, conn.identity)
                self._cancel(self._graces, conn.identity)
            if conn.track is not None:
                await conn.track.aclose()

    async def _publish(self, conn: ParticipantConnection) -> None:
        room, track = self._room, conn.track
        if track is None or room is None or self.state is not RoomState.CONNECTED or track.room is room:
            return
        try:
            await track.publish(room)
        except Exception as exc:
            log.warning("room %s: cannot publish the track for %s: %s", self.name, conn.identity, exc)

    def _refresh(self, conn: ParticipantConnection, event: RoomEvent | None = None, detail: str = "") -> None:
        """Derive the session's state from the room's and the user's presence."""
        if self.state is not RoomState.CONNECTED:
            state = SessionState.RECONNECTING
        else:
            state = SessionState.ACTIVE if conn.identity in self._present else SessionState.AWAY
        if state is SessionState.AWAY:
            if conn.identity not in self._graces:
                self._graces[conn.identity] = self._spawn(self._grace(conn), f"grace:{conn.identity}")
        else:
            self._cancel(self._graces, conn.identity)
        if conn.track is not None:
            conn.track.live = self.state is RoomState.CONNECTED and conn.track.room is self._room
        conn.set_state(state, event, detail)

    async def _grace(self, conn: ParticipantConnection) -> None:
        await asyncio.sleep(self.config.rejoin_grace_s)
        self._graces.pop(conn.identity, None)
        log.info("room %s: %s did not come back; ending the session", self.name, conn.identity)
        conn.finish(lost=True)

    async def _read(self, conn: ParticipantConnection, track: Any) -> None:
        from livekit import rtc

        stream = rtc.AudioStream(track, sample_rate=self.config.media_rate, num_channels=1)
        try:
            async for event in stream:
                conn.feed_audio(bytes(event.frame.data))
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await asyncio.shield(stream.aclose())

    # -- SDK events (called on the event loop) ----------------------------------------------
    def _wire(self, room: Any) -> None:
        handlers: dict[str, Callable[..., None]] = {
            "participant_connected": self._on_participant,
            "participant_disconnected": self._on_participant_left,
            "track_subscribed": self._on_track,
            "track_unsubscribed": self._on_untrack,
            "track_muted": lambda p, pub: self._on_mute(p, pub, RoomEvent.TRACK_MUTED),
            "track_unmuted": lambda p, pub: self._on_mute(p, pub, RoomEvent.TRACK_UNMUTED),
            "data_received": self._on_data,
            "reconnecting": self._on_reconnecting,
            "reconnected": self._on_reconnected,
            "disconnected": self._on_disconnected,
        }
        for event, fn in handlers.items():
            room.on(event, self._guard(room, event, fn))

    def _guard(self, room: Any, event: str, fn: Callable[..., None]) -> Callable[..., None]:
        def handler(*args: Any) -> None:
            if room is not self._room or self._closing:
                return  # a room we replaced (or are leaving) still reports its teardown
            try:
                fn(*args)
            except Exception:
                log.exception("room %s: %s handler failed", self.name, event)

        return handler

    def _is_user(self, p: Any) -> bool:
        return bool(p.identity) and p.identity != self.config.agent_identity and p.kind not in _AGENT_KINDS

    def _on_participant(self, p: Any) -> None:
        if not self._is_user(p):
            return
        self._present.add(p.identity)
        conn = self.sessions.get(p.identity)
        if conn is not None and not conn.finished:
            self._refresh(conn, RoomEvent.PARTICIPANT_JOINED, "rejoined")
            return
        cfg = self.config
        conn = ParticipantConnection(
            self.name, p.identity, input_rate=cfg.input_rate, media_rate=cfg.media_rate
        )
        conn.track = AgentTrack(
            f"{cfg.agent_identity}:{p.identity}", rate=cfg.media_rate, queue_ms=cfg.audio_queue_ms
        )
        self.sessions[p.identity] = conn
        self._refresh(conn, RoomEvent.PARTICIPANT_JOINED)
        self._spawn(self._run_session(conn), f"session:{p.identity}")

    def _on_participant_left(self, p: Any) -> None:
        self._present.discard(p.identity)
        conn = self.sessions.get(p.identity)
        if conn is not None and not conn.finished:
            self._cancel(self._readers, p.identity)
            self._refresh(conn, RoomEvent.PARTICIPANT_LEFT)

    def _on_track(self, track: Any, publication: Any, p: Any) -> None:
        from livekit import rtc

        conn = self.sessions.get(p.identity)
        if conn is None or conn.finished or track.kind != rtc.TrackKind.KIND_AUDIO:
            return
        self._cancel(self._readers, p.identity)
        self._readers[p.identity] = self._spawn(self._read(conn, track), f"read:{p.identity}:{track.sid}")

    def _on_untrack(self, track: Any, publication: Any, p: Any) -> None:
        reader = self._readers.get(p.identity)
        if reader is not None and reader.get_name().endswith(f":{track.sid}"):
            self._cancel(self._readers, p.identity)

    def _on_mute(self, p: Any, publication: Any, event: RoomEvent) -> None:
        conn = self.sessions.get(p.identity)
        if conn is not None and p.identity in self._present:
            conn.set_state(conn.state, event, str(getattr(publication, "source", "")))

    def _on_data(self, packet: Any) -> None:
        sender = packet.participant.identity if packet.participant is not None else ""
        conn = self.sessions.get(sender)
        if conn is not None:
            conn.feed(DataMessageFrame(payload=bytes(packet.data), topic=packet.topic or "", sender=sender))

    def _on_reconnecting(self) -> None:
        self.state = RoomState.RECONNECTING
        for conn in list(self.sessions.values()):
            self._refresh(conn, RoomEvent.RECONNECTING)

    def _on_reconnected(self) -> None:
        self.state = RoomState.CONNECTED
        self.reconnects += 1
        room = self._room
        self._present = {p.identity for p in room.remote_participants.values() if self._is_user(p)}
        for conn in list(self.sessions.values()):
            self._refresh(conn, RoomEvent.RECONNECTED)

    def _on_disconnected(self, reason: int = 0) -> None:
        self._room = None
        if reason in _FINAL:
            self.last_error = VoiceError(ErrorCode.CONNECTION_FAILED, f"left the room: {_FINAL[reason]}")
            self._end_all(_FINAL[reason])
            return
        self.state = RoomState.RECONNECTING
        for conn in list(self.sessions.values()):
            self._refresh(conn, RoomEvent.RECONNECTING, "the SDK gave up; reconnecting")
        self._spawn(self._reconnect(), f"reconnect:{self.name}")

    # -- tasks ----------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @staticmethod
    def _cancel(tasks: dict[str, asyncio.Task[None]], key: str) -> None:
        task = tasks.pop(key, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
