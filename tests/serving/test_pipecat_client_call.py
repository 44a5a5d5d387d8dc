"""Pipecat's real JS client (`@pipecat-ai/client-js` 1.13) talks to a cold `voicegraph serve`.

The scenario (pipecat_scenario.py) runs the client in headless Chromium with its own
WebSocket transport, then its SmallWebRTC transport (in a loopback-only network
namespace), against `provider: pipecat`: it connects, asks a spoken question,
barges in while the bot answers, sends bad RTVI messages, then types a question.
Every check reads what the client received (RTVI messages and bot audio levels, with
page times) or what the server logged.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.transports.webrtc.netns import run_in_loopback_netns

from .pipecat_scenario import main
from .question import heard_the_question

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(400)]

SPEECH_RMS = 0.02
"""A received bot audio chunk above this level is speech (Piper speech is ~0.1)."""


@pytest.fixture(scope="module", params=["websocket", "smallwebrtc"])
def call(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "websocket":
        return main("websocket")
    return run_in_loopback_netns("tests.serving.pipecat_scenario", "smallwebrtc", timeout=360)


def why(call: dict[str, Any]) -> str:
    page = call.get("page") or {}
    msgs = [e.get("msg", e) for e in page.get("messages", [])]
    shown = {k: v for k, v in call.items() if k not in ("page", "server")}
    return f"{json.dumps(shown)[:1500]}\nmessages: {json.dumps(msgs)[:4000]}\n{call.get('server', '')}"


def received(call: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The RTVI messages of `kind` the client received, each with its page time `t`."""
    page = call.get("page") or {}
    return [
        {**e["msg"], "t": e["t"]}
        for e in page.get("messages", [])
        if (e.get("msg") or {}).get("type") == kind
    ]


def test_the_client_reaches_ready_with_bot_ready(call: dict[str, Any]) -> None:
    assert call.get("ready") and not call.get("timeout") and not call.get("error"), why(call)
    (ready,) = received(call, "bot-ready")
    assert ready["data"]["version"].startswith("2."), why(call)


def test_the_spoken_question_comes_back_as_a_final_user_transcription(call: dict[str, Any]) -> None:
    finals = [m["data"]["text"] for m in received(call, "user-transcription") if m["data"]["final"]]
    assert finals and heard_the_question(finals[0]), why(call)


def test_the_bots_audio_is_heard(call: dict[str, Any]) -> None:
    levels = [a["rms"] for a in (call.get("page") or {}).get("audio", [])]
    assert sum(1 for v in levels if v > SPEECH_RMS) >= 10, why(call)


def test_the_turn_is_told_in_rtvi_events_in_order(call: dict[str, Any]) -> None:
    kinds = ("user-started-speaking", "user-stopped-speaking", "bot-llm-started", "bot-tts-started",
             "bot-started-speaking", "bot-tts-text", "bot-output", "bot-tts-stopped")  # fmt: skip
    missing = [k for k in kinds if not received(call, k)]
    assert missing == [], why(call)
    first = {k: received(call, k)[0]["t"] for k in kinds}
    assert first["user-started-speaking"] < first["user-stopped-speaking"] < first["bot-llm-started"], why(
        call
    )
    assert first["bot-llm-started"] < first["bot-tts-started"] <= first["bot-tts-text"], why(call)
    assert first["bot-started-speaking"] <= first["bot-tts-text"] < first["bot-tts-stopped"], why(call)


def test_barge_in_sends_bot_interrupted_and_bot_stopped_speaking(call: dict[str, Any]) -> None:
    interrupted = received(call, "bot-interrupted")
    assert interrupted, why(call)
    stopped = [m["t"] for m in received(call, "bot-stopped-speaking")]
    assert any(t >= interrupted[0]["t"] for t in stopped), why(call)


def test_barge_in_silences_the_bot_within_100_ms_of_the_vad_decision(call: dict[str, Any]) -> None:
    # server side: end of the last bot audio chunk sent minus the VAD decision (graph clock)
    assert call.get("barge_in_ms") and call["barge_in_ms"][0] <= 100.0, why(call)
    if call["kind"] != "websocket":
        return  # WebRTC audio reaches the page through the browser's jitter buffer, later than data
    # client side: no speech-level bot audio arrives 100 ms after the client learns of it
    cut = received(call, "bot-interrupted")[0]["t"]
    resumed = min([m["t"] for m in received(call, "bot-started-speaking") if m["t"] > cut] or [float("inf")])
    late = [a for a in call["page"]["audio"] if cut + 100 < a["t"] < resumed and a["rms"] > SPEECH_RMS]
    assert late == [], why(call)


def test_bad_rtvi_messages_get_error_responses_with_their_ids(call: dict[str, Any]) -> None:
    errors = {m.get("id"): m["data"]["error"] for m in received(call, "error-response")}
    assert errors.get("bad-type", "").startswith("Unsupported type"), why(call)
    assert errors.get("bad-data", "").startswith("Invalid message"), why(call)


def test_the_session_goes_on_after_bad_messages_send_text_is_answered(call: dict[str, Any]) -> None:
    typed_at = call["page"]["typedAt"]
    finals = [m["data"]["text"] for m in received(call, "user-transcription") if m["t"] > typed_at]
    assert "Italy" in " ".join(finals), why(call)
    assert any(m["t"] > typed_at for m in received(call, "bot-started-speaking")), why(call)


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def test_the_clients_on_bot_llm_text_callback_fires_with_the_reply(call: dict[str, Any]) -> None:
    # the stock agent's tokens are consumed by its sentence aggregator: these come from
    # the connection's graph observer, through client-js's own onBotLlmText callback
    llm = call["page"]["llmText"]
    typed_at = call["page"]["typedAt"]
    assert llm, why(call)
    typed_reply = _letters("".join(e["text"] for e in llm if e["t"] > typed_at))
    spoken = [m["data"]["text"] for m in received(call, "bot-tts-text") if m["t"] > typed_at]
    # the typed question's reply (whatever the model says) is what the client heard spoken
    first_word = _letters(" ".join(spoken).split()[0]) if " ".join(spoken).split() else ""
    assert first_word and first_word in typed_reply, why(call)
    first_reply_stop = min(m["t"] for m in received(call, "bot-stopped-speaking"))
    assert llm[0]["t"] < first_reply_stop, why(call)


def test_the_client_reports_no_errors(call: dict[str, Any]) -> None:
    assert call["page"]["errors"] == [], why(call)
