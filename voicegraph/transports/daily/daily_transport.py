"""DailyTransport: voice sessions for the participants of a Daily room (daily-python)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.transports.daily.daily_call import CallState, DailyCall, SessionRunner
from voicegraph.transports.daily.daily_sdk import load_daily_sdk
from voicegraph.transports.graph_session_runner import GraphFactory, session_runner_or_graph

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    from voicegraph.transports.daily.daily_config import DailyConfig
    from voicegraph.transports.daily.daily_connection import DailyConnection


class DailyTransport:
    """An agent in one Daily room that runs a voice session per participant (or per room).

    `start` loads daily-python (or the stand-in `sdk`), joins `config.room_url` with
    `config.token` and runs a session for each participant (see `DailyCall`): by
    default a `GraphSessionRunner` over `graph_factory`, which builds the graph on
    `conn.input()` / `conn.output()` and may read `conn.participant_id`. Audio is
    exchanged at `config.sample_rate`; the agent adds one 20 ms chunk each way.
    `stop` cancels every session and leaves.

    Args:
        config: room, token, rate, session mode, reconnects.
        graph_factory: builds one session's graph from its connection.
        session_runner: runs one session instead (e.g. a session manager's).
        sdk: the `daily` module or a stand-in with its names (tests); None imports daily.

    Raises:
        VoiceError: (invalid_config) neither graph_factory nor session_runner.
    """

    def __init__(
        self,
        config: DailyConfig,
        graph_factory: GraphFactory | None = None,
        *,
        session_runner: SessionRunner | None = None,
        sdk: Any = None,
    ) -> None:
        self.config = config
        self.call: DailyCall | None = None
        self._runner = session_runner_or_graph(session_runner, graph_factory, "DailyTransport")
        self._sdk = sdk

    @property
    def sessions(self) -> Mapping[str, DailyConnection]:
        """Live sessions by participant id ("" for the per-room session)."""
        return dict(self.call.sessions) if self.call is not None else {}

    @property
    def state(self) -> CallState:
        """The agent's presence in the call."""
        return self.call.state if self.call is not None else CallState.CLOSED

    async def start(self) -> None:
        """Join the room.

        Raises:
            VoiceError: missing_dependency (no daily-python), authentication_failed,
                not_found, connection_failed or connection_timeout (see `DailyCall.start`).
        """
        if self.call is not None and self.call.state is not CallState.CLOSED:
            return
        call = DailyCall(self.config, self._runner, load_daily_sdk(self._sdk))
        try:
            await call.start()
        except BaseException:
            await call.close()
            raise
        self.call = call

    async def stop(self) -> None:
        """End every session and leave the room."""
        call, self.call = self.call, None
        if call is not None:
            await call.close()

    def describe(self) -> dict[str, Any]:
        """Room, state, mode, live sessions, reconnects."""
        call = self.call
        return {
            "kind": "daily", "room_url": self.config.room_url, "state": str(self.state),
            "mode": str(self.config.mode), "connections": len(self.sessions),
            "reconnects": call.reconnects if call is not None else 0,
        }  # fmt: skip

    async def __aenter__(self) -> DailyTransport:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
