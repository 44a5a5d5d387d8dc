"""SIGTERM ends a served process promptly, with exit status 0, however its last call ended.

A supervisor (systemd, Kubernetes, a test harness) stops `voicegraph serve` with SIGTERM
and kills it if it lingers. The graceful stop lets in-flight turns finish, up to
`limits.shutdown_timeout_s` (raised to 30 s here so a wait that never ends shows as one).

- After a call has ended, nothing is in flight: the process exits at once.
- When the caller hangs up in the middle of the bot's reply, just as SIGTERM arrives,
  the session ends with its turn unfinished. The stop used to wait on that turn until
  the timeout (10 s by default: the harness then had to signal again or SIGKILL),
  because a session that ended never marked its turn idle.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable

import pytest

from .question import question
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S
from .ws_caller import CallRecord, Plan, ws_call

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(150)]

SHUTDOWN_TIMEOUT_S = 30.0
PROMPT_EXIT_S = 8.0
"""Far under `SHUTDOWN_TIMEOUT_S`: a stop that waits for a turn that cannot finish shows."""


def start(serve: Callable[..., ServeProcess]) -> tuple[ServeProcess, str]:
    port = free_port()
    env = {"VOICEGRAPH_LIMITS__SHUTDOWN_TIMEOUT_S": str(SHUTDOWN_TIMEOUT_S)}
    server = serve("websocket", port=port, env=env)
    server.ready(READY_S)
    return server, f"ws://127.0.0.1:{port}"


def sigterm(server: ServeProcess) -> tuple[int | None, float]:
    """Send SIGTERM once and wait (no second signal); the exit status and seconds taken."""
    t0 = time.monotonic()
    os.kill(server.pid, signal.SIGTERM)
    assert server.proc is not None
    try:
        code: int | None = server.proc.wait(timeout=SHUTDOWN_TIMEOUT_S + 5)
    except subprocess.TimeoutExpired:
        code = None
    return code, time.monotonic() - t0


async def hang_up_mid_reply(url: str, server: ServeProcess) -> CallRecord:
    """Ask the question; at the reply's first sound, SIGTERM the server and hang up 0.1 s later."""
    record = CallRecord()
    call = asyncio.ensure_future(ws_call(url, Plan.paced(question()), listen_s=REPLY_BOUND_S, record=record))
    deadline = time.monotonic() + 40
    while not record.answered and not call.done() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    os.kill(server.pid, signal.SIGTERM)
    await asyncio.sleep(0.1)
    call.cancel()
    await asyncio.gather(call, return_exceptions=True)
    return record


def test_sigterm_after_a_call_ended_exits_0_promptly(serve: Callable[..., ServeProcess]) -> None:
    server, url = start(serve)
    record = asyncio.run(ws_call(url, Plan.paced(question()), listen_s=REPLY_BOUND_S))
    time.sleep(0.5)
    code, took = sigterm(server)
    assert record.answered, f"no reply\ncaller: {record.summary()}\n{server.tail()}"
    assert code == 0 and took < PROMPT_EXIT_S, f"exit {code} after {took:.1f}s\n{server.tail()}"


def test_sigterm_as_the_caller_hangs_up_mid_reply_exits_0_promptly(
    serve: Callable[..., ServeProcess],
) -> None:
    server, url = start(serve)
    record = asyncio.run(hang_up_mid_reply(url, server))
    assert record.answered, f"no reply\ncaller: {record.summary()}\n{server.tail()}"
    assert server.proc is not None
    t0 = time.monotonic()
    try:
        code: int | None = server.proc.wait(timeout=SHUTDOWN_TIMEOUT_S + 5)
    except subprocess.TimeoutExpired:
        code = None
    took = time.monotonic() - t0
    assert code == 0 and took < PROMPT_EXIT_S, (
        f"exit {code} {took:.1f}s after the hang-up (SIGTERM 0.1 s before it)\n{server.tail()}"
    )
    stopped = server.event("stopped", timeout=1)
    assert stopped.get("forced") is False, f"{stopped}\n{server.tail()}"
