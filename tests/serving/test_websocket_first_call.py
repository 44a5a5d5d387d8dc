"""The first call to a fresh `voicegraph serve` (stock voice agent, raw WebSocket) is answered.

No warm-up: the server process is new and the caller is the first thing it serves.
The caller connects once the server says `ready`, asks "What is the capital of
France?" in real time and keeps its microphone open (silence) until the bot has
answered or `REPLY_BOUND_S` have passed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from .question import question
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S, ServedCall
from .ws_caller import CallRecord, Plan, ws_call

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(150)]

Served = ServedCall[CallRecord]


@pytest.fixture(scope="module")
def first_call(serve: Callable[..., ServeProcess]) -> Served:
    pcm = question()
    port = free_port()
    server = serve("websocket", port=port)
    server.ready(READY_S)
    record = asyncio.run(ws_call(f"ws://127.0.0.1:{port}", Plan.paced(pcm), listen_s=REPLY_BOUND_S))
    server.stop()
    return ServedCall(record, server.tail())


def test_the_first_call_is_answered(first_call: Served) -> None:
    assert first_call.record.answered, f"no bot audio within {REPLY_BOUND_S}s of the question\n{first_call}"


def test_the_first_call_transcribes_the_question(first_call: Served) -> None:
    assert first_call.record.heard_question, f"no 'capital'/'France' in the transcript\n{first_call}"


def test_the_first_call_gets_the_bot_words(first_call: Served) -> None:
    assert first_call.record.bot_text.strip(), (
        f"no bot_text message (its docstring promises it)\n{first_call}"
    )
