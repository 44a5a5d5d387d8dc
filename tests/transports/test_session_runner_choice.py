"""A transport runs sessions with the given session_runner, else a graph per connection;
with neither it refuses to be made (one coded line naming the transport)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.daily import DailyConfig, DailyTransport
from voicegraph.transports.graph_session_runner import GraphSessionRunner, session_runner_or_graph
from voicegraph.transports.webrtc.webrtc_transport import WebRTCTransport
from voicegraph.transports.websocket_transport import WebSocketTransport

MAKERS: dict[str, Callable[[], Any]] = {
    "WebSocketTransport": lambda: WebSocketTransport(),
    "WebRTCTransport": lambda: WebRTCTransport(),
    "DailyTransport": lambda: DailyTransport(DailyConfig(room_url="https://x.daily.co/r")),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_transport_without_factory_or_runner_is_a_config_error_naming_it(name: str) -> None:
    with pytest.raises(VoiceError) as err:
        MAKERS[name]()
    assert err.value.code is ErrorCode.INVALID_CONFIG
    assert err.value.message == f"{name} needs graph_factory or session_runner"


async def _runner(conn: Any) -> None:
    return None


def test_the_given_runner_wins_and_a_factory_alone_gets_a_graph_runner() -> None:
    assert session_runner_or_graph(_runner, None, "T") is _runner
    assert session_runner_or_graph(_runner, lambda conn: conn, "T") is _runner
    assert isinstance(session_runner_or_graph(None, lambda conn: conn, "T"), GraphSessionRunner)
