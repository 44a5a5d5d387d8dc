"""AgentRoom: the agent in one LiveKit room, with one session per user participant."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import VoiceError
from voicegraph.framework.frames.call import EndCallFrame
from voicegraph.transports.livekit.agent_track import AgentTrack
from voicegraph.transports.livekit.data_message_frame import DataMessageFrame
from voicegraph.transports.livekit.participant_connection import ParticipantConnection, ParticipantState
from voicegraph.transports.livekit.room_event_frame import RoomEvent
from voicegraph.transports.livekit.room_link import RoomLink, RoomState

if TYPE_CHECKING:
    from voicegraph.transports.connection import Connection
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig
    from voicegraph.transports.livekit.room_admin import RoomAdmin
    from voicegraph.transports.livekit.token_issuer import TokenIssuer

log = logging.getLogger("voicegraph.transports.livekit")

SessionRunner = Callable[["Connection"], Awaitable[None]]
"""Runs one session to its end (a `GraphSessionRunner`, or a session manager's)."""

_AGENT_KINDS = (2, 4)  # egress, agent: never users


class AgentRoom:
    """Joins one room with the realtime SDK and runs a session per user participant.

    Each user (any participant but agents and egress) gets a `ParticipantConnection`
    with its own graph (run by `runner`) and its own published `AgentTrack`. The user's
    audio track is read at the LiveKit rate and fed to the connection; their data
    messages become `DataMessageFrame`s; joins, leaves, mutes and the agent's own
    reconnects become `RoomEventFrame`s and session states. A user who leaves keeps
    their session for `rejoin_grace_s`; coming back (same identity) resumes it. A user
    whose leave message never reached the server (client killed, network gone) is
    reported gone only when the server's peer timeout fires, about 21 s later with
    livekit-server 1.13; the session is AWAY from then on. After a hang-up
    (`EndCallFrame`) the user is removed from the room (`end_call_removes_user`).

    Connection loss is handled by a `RoomLink` (the SDK's own resume and full
    reconnect, then reconnects with backoff); sessions keep their graphs throughout,
    tracks are republished and users re-attached as they come back. When the link
    closes for good (room deleted, removed, given up) every session ends.

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
        self.link = RoomLink(name, self, config=config, tokens=tokens, admin=admin, create=create)
        self._runner = runner
        self._admin = admin
        self.sessions: dict[str, ParticipantConnection] = {}
        """Live sessions by user identity."""
        self._present: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()  # no task group at this level: tracked here
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._graces: dict[str, asyncio.Task[None]] = {}
        self._closing = False
        self._handlers: dict[str, Callable[..., None]] = {
            "participant_connected": self._on_participant,
            "participant_disconnected": self._on_participant_left,
            "track_subscribed": self._on_track,
            "track_unsubscribed": self._on_untrack,
            "track_muted": lambda p, pub: self._on_mute(p, pub, RoomEvent.TRACK_MUTED),
            "track_unmuted": lambda p, pub: self._on_mute(p, pub, RoomEvent.TRACK_UNMUTED),
            "data_received": self._on_data,
        }

    @property
    def state(self) -> RoomState:
        """The agent's connection to the room."""
        return self.link.state

    @property
    def reconnects(self) -> int:
        """Connection losses recovered."""
        return self.link.reconnects

    @property
    def last_error(self) -> VoiceError | None:
        """Why the last (re)connect failed or the room was left."""
        return self.link.last_error

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Join the room.

        Raises:
            VoiceError: authentication_failed, authorization_failed, connection_failed
                (unknown room, refused) or connection_timeout.
        """
        await self.link.connect()

    async def close(self) -> None:
        """End every session (cancelled, not drained) and leave the room."""
        self._closing = True
        for conn in list(self.sessions.values()):
            conn.finish(lost=True)
        for tasks in (self._readers, self._graces):
            for key in list(tasks):
                self._cancel(tasks, key)
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=5.0)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=2.0)
        await self.link.close()

    # -- the link's reports -----------------------------------------------------------------
    async def on_joined(self, room: Any) -> None:
        """A new room connection: publish every session's track, then meet who is there."""
        self._present = set()
        for conn in list(self.sessions.values()):
            await self._publish(conn)
        for p in list(room.remote_participants.values()):
            self._on_participant(p)  # those who joined while publishing were seen already

    def on_link_state(self, state: RoomState, detail: str) -> None:
        """Reconnecting, connected again or closed: every session follows."""
        if state is RoomState.CLOSED:
            for conn in list(self.sessions.values()):
                conn.set_state(conn.state, RoomEvent.DISCONNECTED, detail)
                conn.finish(lost=True)
            return
        room = self.link.room
        if state is RoomState.CONNECTED and room is not None:
            self._present = {p.identity for p in room.remote_participants.values() if self._is_user(p)}
        event = RoomEvent.RECONNECTED if state is RoomState.CONNECTED else RoomEvent.RECONNECTING
        for conn in list(self.sessions.values()):
            self._refresh(conn, event, detail)

    def on_room_event(self, event: str, *args: Any) -> None:
        """A participant, track or data event of the current room."""
        if not self._closing:
            self._handlers[event](*args)

    # -- sessions -------------------------------------------------------------------------
    async def _run_session(self, conn: ParticipantConnection) -> None:
        publishing = self._spawn(
            self._publish(conn), f"publish:{conn.identity}"
        )  # the graph starts meanwhile
        try:
            await self._runner(conn)
        except Exception:
            log.exception("room %s: session of %s failed", self.name, conn.identity)
        finally:
            conn.finish(lost=True)
            publishing.cancel()
            if self.sessions.get(conn.identity) is conn:
                del self.sessions[conn.identity]
                self._cancel(self._readers, conn.identity)
                self._cancel(self._graces, conn.identity)
            if conn.track is not None:
                await conn.close_transcripts()
                await conn.track.aclose()
        if isinstance(conn.call_action, EndCallFrame) and self.config.end_call_removes_user:
            await self._remove(conn.identity)

    async def _remove(self, identity: str) -> None:
        if self._admin is None:
            return
        try:
            await self._admin.remove_participant(self.name, identity)
        except VoiceError as err:  # gone already, or the room is
            log.info("room %s: hanging up on %s: %s", self.name, identity, err)

    async def _publish(self, conn: ParticipantConnection) -> None:
        room, track = self.link.room, conn.track
        if track is None or room is None or self.state is not RoomState.CONNECTED or track.room is room:
            return
        try:
            async with asyncio.timeout(self.config.connect_timeout_s):  # the room may vanish meanwhile
                await track.publish(room)
        except Exception as exc:
            log.warning("room %s: cannot publish the track for %s: %s", self.name, conn.identity, exc)

    def _refresh(self, conn: ParticipantConnection, event: RoomEvent | None = None, detail: str = "") -> None:
        """Derive the session's state from the room's and the user's presence."""
        if self.state is not RoomState.CONNECTED:
            state = ParticipantState.RECONNECTING
        else:
            state = ParticipantState.ACTIVE if conn.identity in self._present else ParticipantState.AWAY
        if state is ParticipantState.AWAY:
            if conn.identity not in self._graces:
                self._graces[conn.identity] = self._spawn(self._grace(conn), f"grace:{conn.identity}")
        else:
            self._cancel(self._graces, conn.identity)
        if conn.track is not None:
            conn.track.live = self.state is RoomState.CONNECTED and conn.track.room is self.link.room
        conn.set_state(state, event, detail)

    async def _grace(self, conn: ParticipantConnection) -> None:
        await asyncio.sleep(self.config.rejoin_grace_s)
        self._graces.pop(conn.identity, None)
        log.info("room %s: %s did not come back; ending the session", self.name, conn.identity)
        conn.finish(lost=True)

    async def _read(self, conn: ParticipantConnection, track: Any) -> None:
        from livekit import rtc

        cfg = self.config
        stream = rtc.AudioStream(
            track, sample_rate=cfg.media_rate, num_channels=1, frame_size_ms=cfg.input_frame_ms
        )
        try:
            async for event in stream:
                conn.feed_audio(bytes(event.frame.data))
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await asyncio.shield(stream.aclose())

    # -- SDK events (called on the event loop) ----------------------------------------------
    def _is_user(self, p: Any) -> bool:
        return bool(p.identity) and p.identity != self.config.agent_identity and p.kind not in _AGENT_KINDS

    def _on_participant(self, p: Any) -> None:
        if not self._is_user(p):
            return
        conn = self.sessions.get(p.identity)
        if conn is not None and not conn.finished:
            if p.identity not in self._present:  # else: already met (events and scans overlap)
                self._present.add(p.identity)
                self._refresh(conn, RoomEvent.PARTICIPANT_JOINED, "rejoined")
            return
        self._present.add(p.identity)
        cfg = self.config
        conn = ParticipantConnection(
            self.name,
            p.identity,
            input_rate=cfg.input_rate,
            media_rate=cfg.media_rate,
            quality=cfg.resample_quality,
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
        conn.user_track_sid = track.sid
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
