"""A browser's first call to a fresh `voicegraph serve` on the WebRTC provider is answered.

Headless Chromium opens the page the server bundles, its fake microphone saying "What
is the capital of France?" (a WAV of Piper speech), and presses Call once the cold
server says `ready`. The page must show both sides' words (`window.voicegraph.transcript`)
and play the reply; after Hang up, SIGTERM stops the server promptly. The same holds
when the page calls while the server still loads its engines. Server and browser
run in a loopback-only network namespace (tests/transports/webrtc/netns.py): see
webrtc_scenario.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.transports.webrtc.netns import run_in_loopback_netns

from .question import heard_the_question

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(200)]


@pytest.fixture(scope="module", params=["after-ready", "during-preload"])
def call(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The call placed once the server says `ready`, or as soon as it listens (engines loading)."""
    early = ["--early"] if request.param == "during-preload" else []
    return run_in_loopback_netns("tests.serving.webrtc_scenario", *early, timeout=180)


def why(call: dict[str, Any]) -> str:
    """The page and the server, for assertion messages."""
    shown = {k: v for k, v in call.items() if k != "server"}
    return f"scenario: {json.dumps(shown)[:3000]}\n{call.get('server', '')}"


def said(call: dict[str, Any], role: str) -> str:
    page = call.get("page") or {}
    return " ".join(t["text"] for t in page.get("transcript", []) if t["role"] == role and t["final"])


def test_the_page_connects_to_the_served_agent(call: dict[str, Any]) -> None:
    assert call.get("connected") and not call.get("error"), why(call)


def test_the_page_shows_the_question_in_the_users_words(call: dict[str, Any]) -> None:
    assert heard_the_question(said(call, "user")), why(call)


def test_the_page_shows_the_bots_reply_in_words(call: dict[str, Any]) -> None:
    assert said(call, "bot").strip(), why(call)


def test_the_page_plays_the_bots_reply(call: dict[str, Any]) -> None:
    audio = (call.get("page") or {}).get("audio", {})
    assert audio.get("totalAudioEnergy", 0) > 0.01 and audio.get("maxLevel", 0) > 0.05, why(call)


def test_the_page_reports_no_errors(call: dict[str, Any]) -> None:
    assert (call.get("page") or {}).get("error") is None and call.get("console") == [], why(call)


def test_sigterm_after_the_browser_hung_up_exits_0_promptly(call: dict[str, Any]) -> None:
    assert call.get("page_state_after_hangup") == "ended", why(call)
    assert call.get("exit_code") == 0 and call.get("exit_s", 99) < 8, why(call)
