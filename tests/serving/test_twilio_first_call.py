"""The first call to a fresh `voicegraph serve` on the Twilio provider is answered, and so is
the next call to the same server after it sat idle.

A Twilio Media Streams caller (mu-law 8 kHz, start/media/mark/stop) connects to the
stream once the cold server says `ready` and asks "What is the capital of France?" in
real time: the bot's voice comes back as media, and the session the server filed has
the question in the user's words and a reply from the bot (twilio_caller.py). Then the
line stays idle for `IDLE_S` (no session: shared engines used to be stopped when the
last session ended) and a second caller asks again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .question import question
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S, ServedCall
from .twilio_caller import TwilioRecord, store_env, twilio_conversation

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(150)]

Served = ServedCall[TwilioRecord]
IDLE_S = 3.0


@pytest.fixture(scope="module")
def calls(serve: Callable[..., ServeProcess], tmp_path_factory: pytest.TempPathFactory) -> list[Served]:
    question(8000)  # synthesized before the server starts, not while it loads
    db = Path(tmp_path_factory.mktemp("twilio-store")) / "sessions.db"
    port = free_port()
    server = serve("twilio", port=port, env=store_env(db))
    server.ready(READY_S)
    url = f"ws://127.0.0.1:{port}/stream"
    first = twilio_conversation(url, db, listen_s=REPLY_BOUND_S)
    time.sleep(IDLE_S)
    second = twilio_conversation(url, db, listen_s=REPLY_BOUND_S, known={first.session_id})
    server.stop()
    return [ServedCall(first, server.tail()), ServedCall(second, server.tail())]


def test_the_first_twilio_call_is_answered(calls: list[Served]) -> None:
    assert calls[0].record.answered, f"no loud bot media within {REPLY_BOUND_S}s\n{calls[0]}"


def test_the_first_twilio_call_transcribes_the_question(calls: list[Served]) -> None:
    assert calls[0].record.heard_question, f"no 'capital'/'France' in the filed transcript\n{calls[0]}"


def test_the_first_twilio_call_gets_a_reply_in_words(calls: list[Served]) -> None:
    assert calls[0].record.said("assistant").strip(), f"no bot reply filed\n{calls[0]}"


def test_a_call_after_the_server_sat_idle_is_answered(calls: list[Served]) -> None:
    second = calls[1].record
    assert second.answered and second.heard_question, f"second call after {IDLE_S}s idle\n{calls[1]}"
