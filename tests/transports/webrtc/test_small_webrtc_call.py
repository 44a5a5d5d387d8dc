"""An aiortc peer speaking Pipecat's SmallWebRTC signalling: offer, trickled ICE, RTVI, renegotiation."""

from __future__ import annotations

from typing import Any

import pytest

from .netns import run_in_loopback_netns

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def call() -> dict[str, Any]:
    return run_in_loopback_netns("tests.transports.webrtc.small_webrtc_scenario")


def test_the_answer_carries_a_pc_id(call: dict[str, Any]) -> None:
    assert call["answer_type"] == "answer" and call["pc_id"]


def test_trickled_candidates_and_their_end_are_accepted(call: dict[str, Any]) -> None:
    assert call["patch_status"] == 204


def test_client_ready_on_the_data_channel_gets_bot_ready(call: dict[str, Any]) -> None:
    assert call["bot_ready"]["id"] == "r1" and call["bot_ready"]["data"]["version"].startswith("2.")


def test_a_bad_rtvi_message_gets_an_error_response_and_pings_are_ignored(call: dict[str, Any]) -> None:
    assert call["error_response"]["id"] == "b1"


def test_track_status_signalling_is_noted(call: dict[str, Any]) -> None:
    assert call["track_enabled"] == {"0": True}  # JSON keys are strings


def test_an_offer_with_a_live_pc_id_renegotiates_the_same_session(call: dict[str, Any]) -> None:
    assert call["renegotiated_pc_id"] == call["pc_id"] and call["sessions_after_renegotiation"] == 1


def test_restart_pc_starts_a_new_session_and_ends_the_old(call: dict[str, Any]) -> None:
    assert call["restarted_pc_id_is_new"] and call["old_session_ended"]
