"""Daily backend: the agent joins a Daily room; each participant's session is run by a SessionManager."""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.hooks import ConnectRequest
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.transports.daily.daily_config import DailyConfig, SessionMode
from voicegraph.transports.daily.daily_connection import DailyConnection
from voicegraph.transports.daily.daily_transport import DailyTransport
from voicegraph.transports.daily.rest_client import DAILY_API_URL, DailyRestClient

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.connection import Connection

log = logging.getLogger("voicegraph.transports.daily")


class DailyOptions(BaseModel):
    """`backend.options` of the `daily` provider."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key_env: str = "DAILY_API_KEY"
    """Name of the environment variable holding the Daily API key."""
    api_url: str = DAILY_API_URL
    """Root of Daily's REST API (tests point it at a local fake)."""
    room_url: str | None = None
    """The room to join; else one is created (`create_room`)."""
    create_room: bool | str = False
    """True: create a room with a random name; a string: create it with that name."""
    room_expiry_s: float = 3600.0
    """Lifetime of a created room (it is deleted at stop)."""
    token_expiry_s: float = 3600.0
    """Lifetime of the agent's owner meeting token."""
    mode: Literal["per_participant", "per_room"] = "per_participant"
    sample_rate: int = 16000
    bot_name: str = "voicegraph"
    reconnect_attempts: int = 3
    reconnect_backoff_s: float = 0.5
    rtvi: bool = False
    """Run Pipecat's RTVI protocol over app messages, one `RTVISession` per session."""
    sdk: Any = None
    """Python only: a stand-in for the daily module (tests; taken out before validation).
    Declared so the config check (`provider_options`) knows it."""


def connect_request(conn: DailyConnection) -> ConnectRequest:
    """What the session manager needs to admit a participant: their room, id and name."""
    return ConnectRequest(
        transport="daily", remote=conn.participant_id, path=conn.room,
        params={"room": conn.room, "participant_id": conn.participant_id, "user_name": conn.user_name},
    )  # fmt: skip


class SessionDailyTransport:
    """A `DailyTransport` whose sessions are admitted and run by a `SessionManager`.

    `start` resolves the room through the REST API (the configured one, checked with
    `GET /rooms/:name`, or a new one), mints the agent's owner meeting token, then
    joins. Each participant (or the room) is admitted (capacity, rate limit, hooks)
    before its graph is built; a refused one gets the app message `{"type": "error",
    "code", "message"}` and no session. `stop` ends every session, leaves, and deletes
    the room if it created it.
    """

    def __init__(self, manager: SessionManager, options: DailyOptions, api_key: str, sdk: Any = None) -> None:
        self._manager = manager
        self.options = options
        self.rest = DailyRestClient(api_key, base_url=options.api_url)
        self.transport: DailyTransport | None = None
        self.created_room: str | None = None
        self._sdk = sdk

    @property
    def sessions(self) -> dict[str, DailyConnection]:
        """Live sessions by participant id."""
        return dict(self.transport.sessions) if self.transport is not None else {}

    async def start(self) -> None:
        """Find or create the room, mint the agent's token, join; cleans up if that fails.

        Raises:
            VoiceError: authentication_failed (bad API key or token refused), not_found
                (no such room), rate_limit_exceeded, connection_failed or connection_timeout.
        """
        try:
            await self._start()
        except BaseException:
            await self.stop()  # the backend does not stop a transport that failed to start
            raise

    async def _start(self) -> None:
        opts = self.options
        if opts.room_url:
            room = await self.rest.get_room(opts.room_url.rstrip("/").rsplit("/", 1)[-1])
        else:
            name = opts.create_room if isinstance(opts.create_room, str) else None
            props = {"exp": int(time.time() + opts.room_expiry_s), "eject_at_room_exp": True}
            room = await self.rest.create_room(name, properties=props)
            self.created_room = room.name
        token = await self.rest.create_meeting_token(
            room.name, expiry_s=opts.token_expiry_s, is_owner=True, user_name=opts.bot_name
        )
        config = DailyConfig(
            room_url=room.url, token=token, sample_rate=opts.sample_rate, mode=SessionMode(opts.mode),
            bot_name=opts.bot_name, reconnect_attempts=opts.reconnect_attempts,
            reconnect_backoff_s=opts.reconnect_backoff_s, rtvi=opts.rtvi,
        )  # fmt: skip
        self.transport = DailyTransport(config, session_runner=self._run_admitted, sdk=self._sdk)
        await self.transport.start()

    async def stop(self) -> None:
        """End every session, leave, delete a room made at start, close the REST client."""
        transport, self.transport = self.transport, None
        if transport is not None:
            await transport.stop()
        room, self.created_room = self.created_room, None
        if room is not None:
            try:
                await self.rest.delete_room(room)
            except VoiceError as err:
                log.warning("cannot delete Daily room %s: %s", room, err)
        await self.rest.aclose()

    def describe(self) -> dict[str, Any]:
        """Room, state, mode, live sessions."""
        if self.transport is None:
            return {"kind": "daily", "room_url": self.options.room_url, "state": "closed", "connections": 0}
        return self.transport.describe()

    async def _run_admitted(self, conn: Connection) -> None:
        assert isinstance(conn, DailyConnection)  # this transport makes no other kind
        try:
            adm = await self._manager.admit(connect_request(conn))
        except VoiceError as err:
            log.info("room %s: %s refused: %s", conn.room, conn.participant_id or "room session", err)
            if conn.send_app is not None:
                message = {"type": "error", "code": str(err.code), "message": err.message}
                await conn.send_app(message, conn.participant_id or None)
            return
        conn.session_id = adm.session_id
        try:
            await self._manager.run(conn)
        finally:
            self._manager.release(adm)


class DailyProvider:
    """Backend provider `daily`: the agent joins a Daily room (pip extra `daily`).

    Options (`DailyOptions`): `api_key_env` (default DAILY_API_KEY), `room_url` or
    `create_room`, `token_expiry_s`, `mode` (`per_participant` or `per_room`),
    `sample_rate`, `bot_name`, `reconnect_attempts`... The `sdk` option (Python only)
    passes a stand-in for the daily module (tests).
    """

    name: ClassVar[str] = "daily"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        persistence=False, custom_auth=False, min_latency_ms=40.0, codecs=("opus",)
    )
    operations: ClassVar[dict[type[Frame], str]] = {}

    def create(self, manager: SessionManager, options: dict[str, Any]) -> SessionDailyTransport:
        """An agent for `manager`'s sessions in the configured (or a created) room.

        Raises:
            VoiceError: invalid_config (an unknown or bad option, no room, no API key:
                the message names the field or variable), missing_dependency (no
                daily-python).
        """
        options = dict(options)
        sdk = options.pop("sdk", None)
        try:
            opts = DailyOptions(**options)
        except ValidationError as exc:
            fields = [f"backend.options.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            raise VoiceError(ErrorCode.INVALID_CONFIG, "bad daily options: " + "; ".join(fields)) from None
        if not opts.room_url and opts.create_room is False:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "the daily backend needs `room_url` or `create_room`")
        api_key = os.environ.get(opts.api_key_env, "")
        if not api_key:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"the daily backend needs a Daily API key in ${opts.api_key_env} (option `api_key_env`)",
            )
        if sdk is None:
            try:
                import daily  # noqa: F401 - only whether it loads
            except ImportError:
                raise missing_dependency("daily", "daily-python") from None
        return SessionDailyTransport(manager, opts, api_key, sdk)
