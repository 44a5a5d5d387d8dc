"""Queued and stalled caller audio is answered (one fresh server, one call per test).

- Burst: the client connects and sends 3 s of audio at once (0.5 s silence, the
  question, 1 s silence), as a client that buffered while connecting does; then a
  live microphone's real-time silence.
- Stall: real time up to 40 % of the question (or to 0.1 s into it, before the VAD
  has confirmed speech), 1.5 s of nothing (a network stall), then the 1.5 s the client
  buffered meanwhile at once.
The turn end must survive both (issue 12, cause 2: it was dropped when the audio's
own clock ran ahead of the wall clock, and the reply was held at the gate for ever).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from .question import RATE, question, silence
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S, ServedCall
from .ws_caller import CallRecord, Plan, ws_call

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def server(serve: Callable[..., ServeProcess]) -> Iterator[tuple[ServeProcess, str]]:
    question()  # synthesized before the server starts, not while it loads
    port = free_port()
    server = serve("websocket", port=port)
    server.ready(READY_S)
    yield server, f"ws://127.0.0.1:{port}"


def call(server: tuple[ServeProcess, str], plan: Plan) -> ServedCall[CallRecord]:
    process, url = server
    record = asyncio.run(ws_call(url, plan, listen_s=REPLY_BOUND_S))
    return ServedCall(record, process.tail())


def test_a_question_sent_as_one_burst_is_answered(server: tuple[ServeProcess, str]) -> None:
    queued = np.concatenate([silence(0.5), question(), silence(1.0)])
    result = call(server, Plan.burst(queued))
    assert result.record.heard_question, f"no 'capital'/'France' in the transcript\n{result}"
    assert result.record.answered, f"no bot audio within {REPLY_BOUND_S}s of the burst\n{result}"


def test_a_question_after_a_stall_mid_utterance_is_answered(server: tuple[ServeProcess, str]) -> None:
    q = question()
    result = call(server, Plan.stall(q, at_s=0.4 * len(q) / RATE, gap_s=1.5))
    assert result.record.heard_question, f"no 'capital'/'France' in the transcript\n{result}"
    assert result.record.answered, f"no bot audio within {REPLY_BOUND_S}s of the question\n{result}"


def test_a_question_after_a_stall_as_speech_starts_is_answered(server: tuple[ServeProcess, str]) -> None:
    spoken = np.concatenate([silence(0.5), question()])
    result = call(server, Plan.stall(spoken, at_s=0.6, gap_s=1.5))
    assert result.record.heard_question, f"no 'capital'/'France' in the transcript\n{result}"
    assert result.record.answered, f"no bot audio within {REPLY_BOUND_S}s of the question\n{result}"
