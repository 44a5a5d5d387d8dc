"""A Twilio call that reaches a fresh server the moment its port accepts is answered.

Twilio connects the stream when the phone call comes in, whether or not the server has
finished loading its engines: the caller's audio sent meanwhile must be kept and the
question answered (issue 12: four calls of four to a fresh server got no answer).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .question import question
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S, ServedCall
from .twilio_caller import store_env, twilio_conversation

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(150)]


def test_a_twilio_call_as_soon_as_the_port_accepts_is_answered(
    serve: Callable[..., ServeProcess], tmp_path_factory: pytest.TempPathFactory
) -> None:
    question(8000)
    db = Path(tmp_path_factory.mktemp("twilio-early")) / "sessions.db"
    port = free_port()
    server = serve("twilio", port=port, env=store_env(db))
    accepted_s = server.wait_accepting(READY_S)
    record = twilio_conversation(f"ws://127.0.0.1:{port}/stream", db, listen_s=REPLY_BOUND_S)
    ready_s = next((t for t, e in server.events if e.get("event") == "ready"), None)
    call = ServedCall(record, f"port accepted at {accepted_s:.2f}s, ready at {ready_s}s\n{server.tail()}")
    assert record.answered, f"no loud bot media within {REPLY_BOUND_S}s\n{call}"
    assert record.heard_question, f"no 'capital'/'France' in the filed transcript\n{call}"
