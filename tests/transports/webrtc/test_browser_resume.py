"""The bundled page comes back after a dropped connection: same session, conversation goes on.

Headless Chromium on the page of a `webrtc` backend with resume on (echo agent); the
server closes its side of the peer connection mid-call, without a hang-up. The page must
reconnect by itself with its resume token (a new peer connection), land in the same
session and get the second turn answered as the second. Runs in a loopback-only
namespace (netns.py); see browser_resume_scenario.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from .netns import run_in_loopback_netns

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def call() -> dict[str, Any]:
    result = run_in_loopback_netns("tests.transports.webrtc.browser_resume_scenario", timeout=100)
    assert not result.get("timeout"), result
    return result


def test_the_page_keeps_the_resume_token_of_its_answer(call: dict[str, Any]) -> None:
    assert call["page_had_token"] is True
    assert call["before"]["replies"] == "Said: one (turn 1)"


def test_after_a_drop_the_page_reconnects_to_the_same_session_on_a_new_peer_connection(
    call: dict[str, Any],
) -> None:
    assert call["after"]["state"] == "connected" and call["after"]["resumes"] == 1
    assert call["after"]["sessionId"] == call["before"]["sessionId"]
    assert call["server_peers"] == 2
    assert call["sessions"] == [call["before"]["sessionId"]]


def test_the_turn_after_the_reconnect_continues_the_conversation(call: dict[str, Any]) -> None:
    assert call["after"]["replies"] == "Said: one (turn 1)Said: two (turn 2)"
    assert call["after"]["error"] is None
