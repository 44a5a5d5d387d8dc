"""A call that arrives the moment a fresh server's port accepts it (before `ready`) is answered.

A telephony provider or a restarted client does not wait for readiness: audio sent
while the server still loads its engines must be kept and answered. The caller polls
the port from the moment the process is spawned and starts speaking at once.
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


@pytest.fixture(scope="module")
def early(serve: Callable[..., ServeProcess]) -> tuple[ServedCall[CallRecord], ServeProcess]:
    pcm = question()
    port = free_port()
    server = serve("websocket", port=port)
    server.wait_accepting(READY_S)
    record = asyncio.run(ws_call(f"ws://127.0.0.1:{port}", Plan.paced(pcm), listen_s=REPLY_BOUND_S))
    server.stop()
    return ServedCall(record, server.tail()), server


def test_a_call_as_soon_as_the_port_accepts_is_answered(
    early: tuple[ServedCall[CallRecord], ServeProcess],
) -> None:
    call, _ = early
    assert call.record.answered, f"no bot audio within {REPLY_BOUND_S}s of the question\n{call}"


def test_a_call_as_soon_as_the_port_accepts_transcribes_the_question(
    early: tuple[ServedCall[CallRecord], ServeProcess],
) -> None:
    call, _ = early
    assert call.record.heard_question, f"no 'capital'/'France' in the transcript\n{call}"


def test_the_server_says_listening_loading_then_ready_with_its_preload_time(
    early: tuple[ServedCall[CallRecord], ServeProcess],
) -> None:
    call, server = early
    names = [e.get("event") for _, e in server.events]
    assert names[:3] == ["listening", "loading", "ready"], f"events {names}\n{call.server}"
    ready = next(e for _, e in server.events if e.get("event") == "ready")
    assert isinstance(ready.get("preload_s"), int | float), f"ready has no preload_s: {ready}"
