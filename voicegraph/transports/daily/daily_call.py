"""DailyCall: the agent in one Daily room, with one session per participant or one per room."""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import VoiceError
from voicegraph.transports.daily.app_message_frame import AppMessageFrame
from voicegraph.transports.daily.daily_config import SessionMode
from voicegraph.transports.daily.daily_connection import DailyConnection
from voicegraph.transports.daily.daily_sdk import completion, create_event_handler, join_error
from voicegraph.transports.daily.participant_event_frame import ParticipantEvent, ParticipantEventFrame
from voicegraph.transports.daily.participant_tracks import ParticipantTracks
from voicegraph.transports.daily.room_audio import RoomAudio
from voicegraph.transports.daily.rtvi_daily_connection import RTVIDailyConnection
from voicegraph.transports.livekit.backoff import Backoff

if TYPE_CHECKING:
    from voicegraph.transports.connection import Connection
    from voicegraph.transports.daily.daily_config import DailyConfig

log = logging.getLogger("voicegraph.transports.daily")

SessionRunner = Callable[["Connection"], Awaitable[None]]
"""Runs one session to its end (a `GraphSessionRunner`, or a session manager's)."""
ROOM_SESSION = ""
"""Key of the one session of a per-room call in `DailyCall.sessions`."""


class CallState(enum.StrEnum):
    """The agent's presence in the call."""

    JOINING = "joining"
    JOINED = "joined"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class DailyCall:
    """Joins one room with daily-python and runs its sessions.

    Per participant (default): every remote participant gets a `DailyConnection` and a
    session (run by `runner`); their audio comes from `set_audio_renderer` at the
    call's rate, the agent's reply goes out on a custom audio track named
    `track_name(participant_id)`, app messages go to and from that participant only.
    Per room: one session; everyone's audio, mixed by the SDK, is read from a virtual
    speaker and the agent speaks through a virtual microphone, both at the call's rate;
    app messages from anyone come in, the graph's go to everyone.
    Joins and leaves reach sessions as `ParticipantEventFrame`s; a participant who
    leaves ends their session (drained). When the call is lost (state "left" not asked
    for), the agent joins again with a new client, up to `reconnect_attempts` times
    with backoff; sessions keep their graphs and are told RECONNECTING / RECONNECTED,
    and those whose participant is gone meanwhile end. Giving up ends every session.

    Args:
        config: room, token, rate, mode and retries.
        runner: runs one session per connection.
        sdk: the daily module (or a stand-in), initialised (`load_daily_sdk`).
    """

    def __init__(self, config: DailyConfig, runner: SessionRunner, sdk: Any) -> None:
        self.config = config
        self.state = CallState.JOINING
        self.sessions: dict[str, DailyConnection] = {}
        """Live sessions by participant id (`ROOM_SESSION` for a per-room call)."""
        self.reconnects = 0
        self.last_error: VoiceError | None = None
        self.client: Any = None
        self._sdk = sdk
        self._runner = runner
        self._per_room = config.mode is SessionMode.PER_ROOM
        self._tasks: set[asyncio.Task[None]] = set()  # no task group at this level: tracked here
        self._tracks = ParticipantTracks(sdk, config.sample_rate, config.chunk_ms)
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._room_audio = RoomAudio(sdk, config.sample_rate, config.chunk_frames) if self._per_room else None

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Join the room; a per-room call starts its session.

        Raises:
            VoiceError: authentication_failed (token refused), not_found (no such room),
                connection_failed or connection_timeout.
        """
        await self._join()
        if self._room_audio is not None:
            conn = self._new_session(ROOM_SESSION, "")
            conn.pump.sink = self._room_audio.write
            self._spawn(self._room_audio.read_into(conn, lambda: self.state is CallState.JOINED), "speaker")
        self._meet_participants()

    async def close(self) -> None:
        """End every session (cancelled, not drained), leave the room and release the client."""
        self._closing = True
        self.state = CallState.CLOSED
        for conn in list(self.sessions.values()):
            conn.finish(lost=True)
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=5.0)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=2.0)
        await self._drop_client()

    async def _join(self) -> None:
        cfg = self.config
        self._loop = asyncio.get_running_loop()
        self.client = self._sdk.CallClient(event_handler=create_event_handler(self._sdk, self._loop, self))
        self.client.set_user_name(cfg.bot_name)
        data, error = await completion(
            lambda done: self.client.join(cfg.room_url, cfg.token, self._client_settings(), completion=done),
            cfg.join_timeout_s, "join",
        )  # fmt: skip
        if error:
            await self._drop_client()
            raise join_error(str(error), cfg.room_url)
        self.client.update_subscription_profiles(
            {"base": {"camera": "unsubscribed", "microphone": "subscribed"}}
        )
        self.state = CallState.JOINED
        log.info("joined %s (session %s)", cfg.room_url, (data or {}).get("meetingSession", {}).get("id"))

    def _meet_participants(self) -> None:
        """Start or re-attach the sessions of those already in the room (events cover the rest)."""
        for pid, p in dict(self.client.participants()).items():
            if pid != "local":
                self.on_participant_joined(dict(p))

    def _client_settings(self) -> dict[str, Any]:
        mic: dict[str, Any] = {"isEnabled": False}
        if self._room_audio is not None:
            mic = {"isEnabled": True, "settings": {"deviceId": self._room_audio.microphone_name}}
        return {
            "inputs": {"camera": False, "microphone": mic},
            "publishing": {"camera": False, "microphone": self._room_audio is not None},
        }

    def _forget_client(self) -> Any:
        """Detach the sessions from the current client; returns it."""
        client, self.client = self.client, None
        self._tracks.forget()
        if not self._per_room:  # the virtual microphone outlives clients; custom tracks do not
            for conn in self.sessions.values():
                conn.pump.sink = None
        return client

    async def _drop_client(self) -> None:
        client = self._forget_client()
        if client is None:
            return
        try:
            await completion(lambda done: client.leave(completion=done), 5.0, "leave")
        except VoiceError as err:
            log.info("leaving %s: %s", self.config.room_url, err)
        client.release()

    # -- sessions -------------------------------------------------------------------------
    def _new_session(self, key: str, user_name: str) -> DailyConnection:
        cfg = self.config
        kind = RTVIDailyConnection if cfg.rtvi else DailyConnection
        conn = kind(cfg.room_name, key, user_name=user_name, rate=cfg.sample_rate, chunk_ms=cfg.chunk_ms)
        conn.send_app = self._send_app
        self.sessions[key] = conn
        self._spawn(self._run_session(conn, key), f"session:{key or 'room'}")
        return conn

    async def _run_session(self, conn: DailyConnection, key: str) -> None:
        loop = asyncio.get_running_loop()
        helpers = [loop.create_task(conn.pump.run(), name=f"pump:{key}")]
        if isinstance(conn, RTVIDailyConnection):
            helpers.append(loop.create_task(conn.send_rtvi(), name=f"rtvi-out:{key}"))
        try:
            await self._runner(conn)
        except Exception:
            log.exception("%s: session %s failed", self.config.room_name, key or "room")
        finally:
            conn.finish(lost=True)
            for helper in helpers:
                helper.cancel()
            if self.sessions.get(key) is conn:
                del self.sessions[key]
            self._tracks.detach(self.client, key)

    async def _send_app(self, message: Any, to: str | None) -> bool:
        client = self.client
        if client is None:
            return False
        try:
            json.dumps(message)
        except (TypeError, ValueError):
            log.warning("%s: app message is not JSON, not sent", self.config.room_name)
            return False
        (error,) = await completion(
            lambda done: client.send_app_message(message, participant_id=to, completion=done),
            5.0,
            "app message",
        )
        if error:
            log.info("%s: app message to %s failed: %s", self.config.room_name, to or "everyone", error)
        return not error

    # -- SDK events (on the event loop) ---------------------------------------------------
    def on_participant_joined(self, participant: dict[str, Any]) -> None:
        pid = str(participant.get("id", ""))
        info = participant.get("info") or {}
        if self._closing or not pid or info.get("isLocal"):
            return
        name = str(info.get("userName", ""))
        event = ParticipantEventFrame(event=ParticipantEvent.JOINED, participant_id=pid, user_name=name)
        if self._per_room:
            if ROOM_SESSION in self.sessions:
                self.sessions[ROOM_SESSION].feed(event)
            return
        conn = self.sessions.get(pid)
        if conn is None:
            conn = self._new_session(pid, name)
        conn.feed(event)
        if pid not in self._tracks:
            assert self._loop is not None  # set at join
            self._tracks.attach(self.client, conn, pid, self._loop)

    def on_participant_left(self, participant: dict[str, Any], reason: str) -> None:
        pid = str(participant.get("id", ""))
        name = str((participant.get("info") or {}).get("userName", ""))
        event = ParticipantEventFrame(
            event=ParticipantEvent.LEFT, participant_id=pid, user_name=name, reason=reason
        )
        conn = self.sessions.get(ROOM_SESSION if self._per_room else pid)
        if conn is None:
            return
        conn.feed(event)
        if not self._per_room:
            conn.finish()  # drained: what the graph still says goes nowhere, but it ends cleanly

    def on_app_message(self, message: Any, sender: str) -> None:
        conn = self.sessions.get(ROOM_SESSION if self._per_room else sender)
        if conn is not None:
            conn.feed(AppMessageFrame(message=message, sender=sender))

    def on_call_state_updated(self, state: str) -> None:
        if state == "left" and not self._closing and self.state is CallState.JOINED:
            self.state = CallState.RECONNECTING
            self._spawn(self._reconnect("call left"), "reconnect")

    def on_error(self, message: str) -> None:
        log.warning("%s: Daily error: %s", self.config.room_name, message)

    # -- reconnect ------------------------------------------------------------------------
    async def _reconnect(self, why: str) -> None:
        self._tell_all(ParticipantEvent.RECONNECTING, why)
        old = self._forget_client()
        if old is not None:
            old.release()
        backoff = Backoff(self.config.reconnect_backoff_s, 8.0, attempts=self.config.reconnect_attempts)
        while (delay := backoff.next_delay()) is not None and not self._closing:
            await asyncio.sleep(delay)
            try:
                await self._join()
            except VoiceError as err:
                self.last_error = err
                log.info("%s: rejoin %d failed: %s", self.config.room_name, backoff.count, err)
                continue
            self.reconnects += 1
            self._tell_all(ParticipantEvent.RECONNECTED, "")
            self._meet_participants()
            self._end_absent()
            return
        self.state = CallState.CLOSED
        self._tell_all(ParticipantEvent.DISCONNECTED, str(self.last_error or "gave up"))
        for conn in list(self.sessions.values()):
            conn.finish(lost=True)

    def _end_absent(self) -> None:
        """After a rejoin: end the sessions of participants who left meanwhile."""
        present = {pid for pid in dict(self.client.participants()) if pid != "local"}
        if self._per_room:
            return
        for pid, conn in list(self.sessions.items()):
            if pid not in present:
                self.on_participant_left(
                    {"id": pid, "info": {"userName": conn.user_name}}, "gone while reconnecting"
                )

    def _tell_all(self, event: ParticipantEvent, reason: str) -> None:
        for conn in list(self.sessions.values()):
            conn.feed(ParticipantEventFrame(event=event, reason=reason))

    # -- tasks ----------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
