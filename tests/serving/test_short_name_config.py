"""A config naming the stock agent by its short name (`graph: voice-agent`) serves it.

The stock agent is reached without a module path, as docs/serving.md shows it: a cold
`voicegraph serve configs/websocket_short_name.yaml` answers its first caller's question.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from .question import question
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S, ServedCall
from .ws_caller import Plan, ws_call

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(150)]


def test_the_short_name_config_answers_the_first_question(serve: Callable[..., ServeProcess]) -> None:
    pcm = question()
    port = free_port()
    server = serve("websocket_short_name", port=port)
    server.ready(READY_S)
    record = asyncio.run(ws_call(f"ws://127.0.0.1:{port}", Plan.paced(pcm), listen_s=REPLY_BOUND_S))
    result = ServedCall(record, server.tail())
    assert record.heard_question, f"no 'capital'/'France' in the transcript\n{result}"
    assert record.answered, f"no bot audio within {REPLY_BOUND_S}s of the question\n{result}"
