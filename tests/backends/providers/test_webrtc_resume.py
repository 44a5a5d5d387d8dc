"""WebRTC resume: a session whose peer connection dropped continues on a new peer connection.

A configured `webrtc` backend (echo agent, `resume_grace_s` 3 s) is called by aiortc
peers over loopback, in a loopback-only network namespace (see
tests/transports/webrtc/netns.py): `python -m tests.backends.providers.test_webrtc_resume`
is the scenario and prints one JSON object of observations. The first peer's
connection is closed without a hang-up; a second peer offers the first answer's resume
token and continues the same session; a wrong token is refused; a session whose peer
does not come back within the grace ends, and its token is refused after it. Then the
backend is stopped and a new one started on the same SQLite store (a restart): an offer
with the token resumes the persisted session from the store.
"""

from __future__ import annotations

import asyncio
import copy
import json
import tempfile
import time
from typing import Any

import pytest

from tests.transports.webrtc.netns import run_in_loopback_netns
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import Served, build_served
from voicegraph.backends.providers import register_builtin
from voicegraph.framework import VoiceError
from voicegraph.transports.webrtc import WebRTCClient

GRACE_S = 3.0
CONFIG: dict[str, Any] = {
    "backend": {
        "provider": "webrtc",
        "options": {"host": "127.0.0.1", "port": 0, "connect_timeout_s": 5, "resume_grace_s": GRACE_S},
    },
    "graph": {
        "name": "echo",
        "nodes": [{"id": "agent", "type": "echo_agent", "params": {"prefix": "You said:"}}],
    },
    "persistence": {"url": "memory://"},
    "health": {"enabled": False},
    "limits": {"max_sessions": 2},
}


# -- the scenario (runs in the namespace) ---------------------------------------------------------
async def reply(client: WebRTCClient, text: str) -> str:
    """Type `text` and collect the agent's streamed reply (it ends with ")")."""
    client.send_message({"type": "text", "text": text})
    words: list[str] = []
    async with asyncio.timeout(10):
        while not "".join(words).endswith(")"):
            event = await client.wait_event("bot_text")
            client.events.remove(event)
            words.append(event["text"])
    return "".join(words)


async def refused_code(url: str, resume: str) -> str | None:
    client = WebRTCClient(url, timeout_s=5, resume=resume)
    try:
        await client.connect()
        return None
    except VoiceError as err:
        return str(err.code)
    finally:
        await client.close()


async def wait_for(predicate: Any, timeout: float) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if predicate():
            return time.perf_counter() - t0
        await asyncio.sleep(0.02)
    return None


async def call(served: Served, out: dict[str, Any]) -> None:
    transport, manager = served.backend.transport, served.backend.manager
    url = transport.url
    first = WebRTCClient(url, timeout_s=10)
    out["session_id"] = await first.connect()
    out["first_token"] = bool(first.resume_token)
    out["first_resumed"] = first.resumed
    out["reply_1"] = await reply(first, "hello")
    await first.close()  # dropped: no hang-up message
    lost_s = await wait_for(lambda: not transport.sessions[out["session_id"]].attached, 5.0)
    out["server_saw_drop"] = lost_s is not None
    out["live_after_drop"] = list(manager.live)
    out["wrong_token"] = await refused_code(url, "not-a-token")
    t0 = time.perf_counter()
    second = WebRTCClient(url, timeout_s=10, resume=first.resume_token)
    out["resumed_session_id"] = await second.connect()
    out["resume_ms"] = (time.perf_counter() - t0) * 1000
    out["second_resumed"] = second.resumed
    out["same_token"] = second.resume_token == first.resume_token
    out["reply_2"] = await reply(second, "again")
    out["live_after_resume"] = list(manager.live)
    await second.close()  # dropped again, and nobody comes back
    out["ended_after_grace_s"] = await wait_for(lambda: not manager.live, GRACE_S + 5.0)
    out["expired_token"] = await refused_code(url, first.resume_token)


async def restart(config: dict[str, Any], out: dict[str, Any]) -> None:
    """A session, a stopped backend, a new backend on the same store: the token resumes it."""
    before = build_served(load_config(config, env={}), env={})
    await before.start()
    try:
        client = WebRTCClient(before.backend.transport.url, timeout_s=10)
        session_id = await client.connect()
        out["restart_reply_1"] = await reply(client, "before")
    finally:
        await before.stop(5)
    await client.close()
    after = build_served(load_config(config, env={}), env={})
    await after.start()
    try:
        again = WebRTCClient(after.backend.transport.url, timeout_s=10, resume=client.resume_token)
        out["restart_same_session"] = await again.connect() == session_id
        out["restart_resumed"] = again.resumed
        out["restart_reply_2"] = await reply(again, "after")
        await again.hangup()
    finally:
        await after.stop(5)


async def scenario() -> dict[str, Any]:
    register_builtin()  # as `voicegraph serve` does before it reads the config
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = copy.deepcopy(CONFIG)
        config["persistence"] = {"url": f"sqlite:///{tmp}/sessions.db"}
        served = build_served(load_config(config, env={}), env={})
        await served.start()
        try:
            await call(served, out)
        finally:
            await served.stop(5)
        await restart(config, out)
    return out


# -- the tests ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def observed() -> dict[str, Any]:
    return run_in_loopback_netns("tests.backends.providers.test_webrtc_resume", timeout=60)


@pytest.mark.timeout(90)
def test_the_answer_gives_a_resume_token_and_says_a_new_session_is_not_resumed(
    observed: dict[str, Any],
) -> None:
    assert observed["first_token"] is True
    assert observed["first_resumed"] is False
    assert observed["reply_1"] == "You said: hello (turn 1)"


@pytest.mark.timeout(90)
def test_a_dropped_peer_leaves_the_session_running_for_its_grace(observed: dict[str, Any]) -> None:
    assert observed["server_saw_drop"] is True
    assert observed["live_after_drop"] == [observed["session_id"]]


@pytest.mark.timeout(90)
def test_a_new_peer_connection_with_the_token_continues_the_same_conversation(
    observed: dict[str, Any],
) -> None:
    assert observed["second_resumed"] is True
    assert observed["resumed_session_id"] == observed["session_id"]
    assert observed["same_token"] is True
    assert observed["reply_2"] == "You said: again (turn 2)"  # the first turn is in its context
    assert observed["live_after_resume"] == [observed["session_id"]]


@pytest.mark.timeout(90)
def test_a_wrong_token_gets_session_not_found(observed: dict[str, Any]) -> None:
    assert observed["wrong_token"] == "session_not_found"


@pytest.mark.timeout(90)
def test_a_peer_that_does_not_come_back_ends_the_session_after_the_grace(observed: dict[str, Any]) -> None:
    ended = observed["ended_after_grace_s"]
    assert ended is not None and ended >= GRACE_S * 0.8
    assert observed["expired_token"] == "session_not_found"


@pytest.mark.timeout(90)
def test_after_a_restart_the_token_resumes_the_persisted_session(observed: dict[str, Any]) -> None:
    assert observed["restart_reply_1"] == "You said: before (turn 1)"
    assert observed["restart_same_session"] is True
    assert observed["restart_resumed"] is True
    assert observed["restart_reply_2"] == "You said: after (turn 2)"


if __name__ == "__main__":
    print(json.dumps(asyncio.run(scenario())))
