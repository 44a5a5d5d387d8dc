"""The `webrtc` backend provider: a config-driven backend serves aiortc peers through the
session manager (auth and capacity at the offer, the slot given back at hang-up).

The calls run once per module in a loopback-only network namespace (see
tests/transports/webrtc/netns.py): `python -m tests.backends.providers.test_webrtc_provider` is the
scenario, and prints one JSON object of observations.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import pytest

from tests.transports.webrtc.netns import run_in_loopback_netns
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import Served, build_served
from voicegraph.backends.providers import provider, register_builtin
from voicegraph.framework import VoiceError
from voicegraph.transports.webrtc import WebRTCClient

TOKENS_ENV = "VG_WEBRTC_PROVIDER_TOKENS"
CONFIG: dict[str, Any] = {
    "backend": {"provider": "webrtc", "options": {"host": "127.0.0.1", "port": 0, "connect_timeout_s": 5}},
    "graph": {
        "name": "echo",
        "nodes": [{"id": "agent", "type": "echo_agent", "params": {"prefix": "You said:"}}],
    },
    "persistence": {"url": "memory://"},
    "health": {"enabled": False},
    "limits": {"max_sessions": 1},
    "hooks": {"auth": {"type": "token", "tokens_env": TOKENS_ENV}},
}
GOOD = {"Authorization": "Bearer good-token"}


# -- the scenario (runs in the namespace) ---------------------------------------------------------
async def refused(url: str, headers: dict[str, str]) -> dict[str, Any]:
    client = WebRTCClient(url, timeout_s=5, headers=headers)
    try:
        await client.connect()
        return {"code": None}
    except VoiceError as err:
        return {"code": str(err.code), "retriable": err.retriable}
    finally:
        await client.close()


async def wait_idle(served: Served, timeout: float = 3.0) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if not served.backend.manager.live and not served.backend.transport.sessions:
            return (time.perf_counter() - t0) * 1000
        await asyncio.sleep(0.02)
    return None


async def call(served: Served, out: dict[str, Any]) -> None:
    url, manager = served.backend.transport.url, served.backend.manager
    out["no_token"] = await refused(url, {})
    first = WebRTCClient(url, timeout_s=10, headers=GOOD)
    out["session_id"] = await first.connect()
    out["live_ids"] = list(manager.live)
    out["principal"] = manager.get(out["session_id"]).principal
    out["over_capacity"] = await refused(url, GOOD)
    first.send_message({"type": "text", "text": "hello over webrtc"})
    words: list[str] = []
    async with asyncio.timeout(10):
        while not "".join(words).endswith(")"):
            event = await first.wait_event("bot_text")
            first.events.remove(event)
            words.append(event["text"])
    out["reply"] = "".join(words)
    await first.hangup()
    out["hangup_release_ms"] = await wait_idle(served)
    again = WebRTCClient(url, timeout_s=10, headers=GOOD)
    out["after_hangup_session"] = bool(await again.connect())
    await again.hangup()
    await wait_idle(served)
    out["stats"] = manager.stats()


async def scenario() -> dict[str, Any]:
    os.environ[TOKENS_ENV] = "good-token=alice"
    register_builtin()  # as `voicegraph serve` does before it reads the config
    served = build_served(load_config(CONFIG, env={}), env={})
    out: dict[str, Any] = {"describe_kind": served.backend.transport.describe()["kind"]}
    await served.start()
    try:
        await call(served, out)
    finally:
        await served.stop(5)
    return out


# -- the tests ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def observed() -> dict[str, Any]:
    return run_in_loopback_netns("tests.backends.providers.test_webrtc_provider", timeout=90)


@pytest.mark.timeout(120)
def test_a_configured_webrtc_backend_answers_a_typed_message_over_the_data_channel(
    observed: dict[str, Any],
) -> None:
    assert observed["reply"] == "You said: hello over webrtc (turn 1)"


@pytest.mark.timeout(120)
def test_the_session_is_the_managers_and_belongs_to_the_token_holder(observed: dict[str, Any]) -> None:
    assert observed["live_ids"] == [observed["session_id"]]
    assert observed["principal"] == "alice"


@pytest.mark.timeout(120)
def test_an_offer_without_a_token_gets_authentication_failed(observed: dict[str, Any]) -> None:
    assert observed["no_token"] == {"code": "authentication_failed", "retriable": False}


@pytest.mark.timeout(120)
def test_a_second_caller_over_capacity_gets_session_limit_exceeded(observed: dict[str, Any]) -> None:
    assert observed["over_capacity"] == {"code": "session_limit_exceeded", "retriable": True}


@pytest.mark.timeout(120)
def test_hanging_up_gives_the_slot_back_to_the_next_caller(observed: dict[str, Any]) -> None:
    assert observed["hangup_release_ms"] is not None and observed["hangup_release_ms"] < 1000
    assert observed["after_hangup_session"] is True
    assert observed["stats"]["admitting"] == 0


def test_the_webrtc_provider_is_registered_for_serve_and_doctor() -> None:
    caps = provider("webrtc").capabilities
    assert caps.codecs == ("opus",) and caps.multi_user and caps.custom_auth


if __name__ == "__main__":
    print(json.dumps(asyncio.run(scenario())))
