"""The first call to a fresh `voicegraph serve` on the Twilio provider is answered.

A Twilio Media Streams caller (mu-law 8 kHz, start/media/mark/stop) connects to the
stream once the cold server says `ready` and asks "What is the capital of France?" in
real time: the bot's voice comes back as media, and the session the server filed has
the question in the user's words and a reply from the bot (twilio_caller.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .question import question
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S, ServedCall
from .twilio_caller import TwilioRecord, store_env, twilio_conversation

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(150)]

Served = ServedCall[TwilioRecord]


@pytest.fixture(scope="module")
def first_call(serve: Callable[..., ServeProcess], tmp_path_factory: pytest.TempPathFactory) -> Served:
    question(8000)  # synthesized before the server starts, not while it loads
    db = Path(tmp_path_factory.mktemp("twilio-store")) / "sessions.db"
    port = free_port()
    server = serve("twilio", port=port, env=store_env(db))
    server.ready(READY_S)
    record = twilio_conversation(f"ws://127.0.0.1:{port}/stream", db, listen_s=REPLY_BOUND_S)
    server.stop()
    return ServedCall(record, server.tail())


def test_the_first_twilio_call_is_answered(first_call: Served) -> None:
    assert first_call.record.answered, f"no loud bot media within {REPLY_BOUND_S}s\n{first_call}"


def test_the_first_twilio_call_transcribes_the_question(first_call: Served) -> None:
    assert first_call.record.heard_question, f"no 'capital'/'France' in the filed transcript\n{first_call}"


def test_the_first_twilio_call_gets_a_reply_in_words(first_call: Served) -> None:
    assert first_call.record.said("assistant").strip(), f"no bot reply filed\n{first_call}"
