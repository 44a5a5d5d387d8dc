"""Real aiortc peers call a WebRTCTransport over loopback (inside a loopback-only namespace).

The scenario (call_scenario.py) runs once per module in its own network namespace, so
every packet stays on 127.0.0.0/8 whatever this machine's interfaces are (see netns.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from .netns import run_in_loopback_netns

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def call() -> dict[str, Any]:
    return run_in_loopback_netns("tests.transports.webrtc.call_scenario")


def test_the_client_hears_its_own_speech_echoed_back_through_opus(call: dict[str, Any]) -> None:
    assert call["echo_correlation"] > 0.8


def test_the_echo_keeps_the_speech_level(call: dict[str, Any]) -> None:
    assert 0.7 < call["echo_rms_ratio"] < 1.4


def test_mouth_to_ear_delay_through_the_server_is_under_half_a_second(call: dict[str, Any]) -> None:
    assert 0 < call["echo_delay_ms"] < 500  # ~150 ms on an idle machine (see the report in call_scenario)


def test_the_server_vad_heard_the_speech_and_said_so_on_the_data_channel(call: dict[str, Any]) -> None:
    assert "user_started_speaking" in call["events"]
    assert "user_stopped_speaking" in call["events"]


def test_typed_text_reaches_the_graph_and_comes_back_as_a_transcript(call: dict[str, Any]) -> None:
    assert call["transcript_events"] == ["typed hello"]


def test_the_answer_offers_only_loopback_host_candidates(call: dict[str, Any]) -> None:
    assert call["answer_candidates"]
    assert all(kind == "host" and addr.startswith("127.") for addr, kind in call["answer_candidates"])


def test_a_caller_over_the_session_limit_gets_a_retriable_coded_error(call: dict[str, Any]) -> None:
    assert call["over_limit"] == {"code": "session_limit_exceeded", "retriable": True}


def test_hanging_up_tears_the_session_down_within_a_second(call: dict[str, Any]) -> None:
    assert call["hangup_teardown_ms"] is not None and call["hangup_teardown_ms"] < 1000


def test_a_peer_that_closes_without_hanging_up_is_torn_down_within_a_second(call: dict[str, Any]) -> None:
    assert call["abrupt_close_teardown_ms"] is not None and call["abrupt_close_teardown_ms"] < 1000


def test_a_peer_that_never_connects_is_torn_down_after_the_connect_timeout(call: dict[str, Any]) -> None:
    assert call["unconnected_sessions"] == 1
    assert call["unconnected_teardown_ms"] is not None


def test_stopping_the_server_ends_a_live_session_and_closes_its_peer(call: dict[str, Any]) -> None:
    assert call["stop_with_live_session_ms"] < 3000
    assert call["client_state_after_stop"] == "closed"


def test_every_session_started_also_ended(call: dict[str, Any]) -> None:
    assert call["sessions_started"] == call["sessions_ended"] == 5


def test_an_agent_hang_up_plays_the_goodbye_says_end_call_and_closes_the_peer(call: dict[str, Any]) -> None:
    hangup = call["agent_hangup"]
    assert hangup["end_call"] == {"type": "end_call", "reason": "asked to"}
    assert hangup["events"][-1] == "end_call"  # nothing after it on the data channel
    assert 300 <= hangup["loud_ms"] <= 500  # the 400 ms goodbye reached the client before the close
    assert hangup["client_state"] == "closed" and hangup["teardown_ms"] is not None
