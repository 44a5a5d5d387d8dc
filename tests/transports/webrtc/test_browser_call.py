"""A person with a browser gets a working agent: headless Chromium on the bundled page.

Chromium's fake microphone says a question (Piper); the server runs Silero VAD, Whisper
tiny.en, a scripted agent and eSpeak NG. The page must show what the bot heard and play
its reply; hanging up must end the session. The browser is driven over the DevTools
protocol (cdp_client.py) and everything runs in a loopback-only namespace (netns.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.speech import word_accuracy

from .netns import run_in_loopback_netns

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def call() -> dict[str, Any]:
    result = run_in_loopback_netns("tests.transports.webrtc.browser_scenario", timeout=150)
    assert not result.get("timeout"), result
    return result


def test_the_page_connects_to_the_agent(call: dict[str, Any]) -> None:
    assert call["connected"] and call["sessions_during_call"] == 1


def test_the_bot_heard_the_spoken_question(call: dict[str, Any]) -> None:
    assert word_accuracy(call["question"], " ".join(call["server_heard"])) >= 0.8


def test_the_page_shows_what_the_bot_heard(call: dict[str, Any]) -> None:
    said = " ".join(t["text"] for t in call["page"]["transcript"] if t["role"] == "user")
    assert word_accuracy(call["question"], said) >= 0.8
    assert any(line.startswith("user: ") for line in call["page"]["log"])


def test_the_page_shows_the_bot_reply_text_as_played(call: dict[str, Any]) -> None:
    bots = [t for t in call["page"]["transcript"] if t["role"] == "bot"]
    assert bots == [{"role": "bot", "text": call["reply"], "final": True, "interrupted": False}]
    assert f"bot: {call['reply']}" in call["page"]["log"]


def test_the_page_shows_the_user_final_transcript_as_final(call: dict[str, Any]) -> None:
    users = [t for t in call["page"]["transcript"] if t["role"] == "user"]
    assert users and all(t["final"] and not t["interrupted"] for t in users)


def test_the_page_played_the_bot_reply(call: dict[str, Any]) -> None:
    audio, marks = call["page"]["audio"], call["page"]["marks"]
    assert audio["playing"] and audio["totalAudioEnergy"] > 0.01 and audio["maxLevel"] > 0.05
    assert marks["bot_started_speaking"] <= marks["audio"] <= marks["bot_stopped_speaking"] + 500


def test_hanging_up_on_the_page_ends_the_server_session(call: dict[str, Any]) -> None:
    assert call["page_state_after_hangup"] == "ended"
    assert call.get("hangup_teardown_ms") is not None
    assert call["sessions_started"] == call["sessions_ended"] == 1


def test_the_page_reports_no_errors(call: dict[str, Any]) -> None:
    assert call["page"]["error"] is None
    assert call["console"] == []
