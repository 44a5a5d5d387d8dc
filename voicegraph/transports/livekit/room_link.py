"""RoomLink: keeps the agent connected to one LiveKit room, reconnecting when the SDK gives up."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from typing import TYPE_CHECKING, Any, Protocol

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.transports.livekit.backoff import Backoff
from voicegraph.transports.livekit.livekit_errors import connect_error, timeout_error

if TYPE_CHECKING:
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig
    from voicegraph.transports.livekit.room_admin import RoomAdmin
    from voicegraph.transports.livekit.token_issuer import TokenIssuer

log = logging.getLogger("voicegraph.transports.livekit")

# DisconnectReason values after which rejoining makes no sense (livekit_models.proto)
_FINAL = {1: "client_initiated", 2: "duplicate_identity", 4: "participant_removed", 5: "room_deleted",
          10: "room_closed", 12: "user_rejected"}  # fmt: skip
FORWARDED = ("participant_connected", "participant_disconnected", "track_subscribed", "track_unsubscribed",
             "track_muted", "track_unmuted", "data_received")  # fmt: skip
"""SDK events handed to the owner as they come."""


class RoomState(enum.StrEnum):
    """The agent's connection to its room."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class RoomOwner(Protocol):
    """What a `RoomLink` tells the object that owns it."""

    async def on_joined(self, room: Any) -> None:
        """A new `rtc.Room` is connected (first join, or a reconnect of our own)."""

    def on_link_state(self, state: RoomState, detail: str) -> None:
        """The link is reconnecting, connected again, or closed for good."""

    def on_room_event(self, event: str, *args: Any) -> None:
        """A `FORWARDED` SDK event of the current room."""


class RoomLink:
    """The agent's connection to one room, kept up across server failures.

    `connect` joins within `config.connect_timeout_s` (creating the room first when
    `create`), mapping failures to coded errors. Afterwards the SDK resumes or fully
    reconnects by itself (it republishes tracks) and reports `reconnecting` and
    `reconnected`; when it gives up (`disconnected` for a reason a retry may fix), this
    link joins again in a new `rtc.Room` with `Backoff`, until it succeeds, runs out of
    `config.reconnect_attempts` or is closed. Final reasons (room deleted, removed,
    duplicate identity) close it. Events of replaced rooms are ignored.
    """

    def __init__(
        self,
        name: str,
        owner: RoomOwner,
        *,
        config: LiveKitConfig,
        tokens: TokenIssuer,
        admin: RoomAdmin | None = None,
        create: bool = True,
    ) -> None:
        self.name = name
        self.config = config
        self._owner, self._tokens, self._admin, self._create = owner, tokens, admin, create
        self.state = RoomState.CONNECTING
        self.room: Any = None
        """The current `rtc.Room` (None while not connected)."""
        self.reconnects = 0
        """Connection losses recovered (by the SDK or by this link)."""
        self.last_error: VoiceError | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def connect(self) -> None:
        """Join the room.

        Raises:
            VoiceError: authentication_failed, authorization_failed, connection_failed
                (unknown room, refused) or connection_timeout.
        """
        try:
            from livekit import rtc
        except ImportError:
            raise missing_dependency("livekit", "livekit") from None
        room = rtc.Room()
        self._wire(room)
        try:
            async with asyncio.timeout(self.config.connect_timeout_s):
                if self._create and self._admin is not None:
                    await self._admin.create_room(self.name)
                token = await self._tokens.agent_token(self.name)
                self.room = room
                await room.connect(self.config.url, token, rtc.RoomOptions(auto_subscribe=True))
        except BaseException as exc:
            self.room = None
            if isinstance(exc, TimeoutError):
                raise timeout_error(f"joining {self.name!r}") from None
            if isinstance(exc, rtc.ConnectError):
                raise connect_error(exc, room=self.name) from None
            raise
        self.state = RoomState.CONNECTED
        await self._owner.on_joined(room)

    async def close(self) -> None:
        """Stop reconnecting and leave the room."""
        self._closing = True
        self.state = RoomState.CLOSED
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        room, self.room = self.room, None
        if room is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5.0):
                    await room.disconnect()

    async def _reconnect(self) -> None:
        cfg = self.config
        backoff = Backoff(cfg.reconnect_initial_s, cfg.reconnect_max_s, attempts=cfg.reconnect_attempts)
        while not self._closing and (delay := backoff.next_delay()) is not None:
            await asyncio.sleep(delay)
            try:
                await self.connect()
            except VoiceError as err:
                self.last_error = err
                log.warning("room %s: reconnect attempt %d failed: %s", self.name, backoff.count, err)
                continue
            self.reconnects += 1
            self._owner.on_link_state(RoomState.CONNECTED, "reconnected")
            return
        if not self._closing:
            self.state = RoomState.CLOSED
            self._owner.on_link_state(RoomState.CLOSED, "gave up reconnecting")

    # -- SDK events (called on the event loop) ----------------------------------------------
    def _wire(self, room: Any) -> None:
        def guard(event: str, fn: Any) -> Any:
            def handler(*args: Any) -> None:
                if room is not self.room or self._closing:
                    return  # a room we replaced (or are leaving) still reports its teardown
                try:
                    fn(*args)
                except Exception:
                    log.exception("room %s: %s handler failed", self.name, event)

            return handler

        for event in FORWARDED:
            room.on(event, guard(event, lambda *a, _e=event: self._owner.on_room_event(_e, *a)))
        room.on("reconnecting", guard("reconnecting", self._on_reconnecting))
        room.on("reconnected", guard("reconnected", self._on_reconnected))
        room.on("disconnected", guard("disconnected", self._on_disconnected))

    def _on_reconnecting(self) -> None:
        self.state = RoomState.RECONNECTING
        self._owner.on_link_state(RoomState.RECONNECTING, "")

    def _on_reconnected(self) -> None:
        self.state = RoomState.CONNECTED
        self.reconnects += 1
        self._owner.on_link_state(RoomState.CONNECTED, "")

    def _on_disconnected(self, reason: int = 0) -> None:
        log.info("room %s: disconnected (reason %d)", self.name, reason)
        self.room = None
        if reason in _FINAL:
            self.state = RoomState.CLOSED
            self.last_error = VoiceError(ErrorCode.CONNECTION_FAILED, f"left the room: {_FINAL[reason]}")
            self._owner.on_link_state(RoomState.CLOSED, _FINAL[reason])
            return
        self.state = RoomState.RECONNECTING
        self._owner.on_link_state(RoomState.RECONNECTING, "the SDK gave up; reconnecting")
        self._task = asyncio.get_running_loop().create_task(self._reconnect(), name=f"reconnect:{self.name}")
