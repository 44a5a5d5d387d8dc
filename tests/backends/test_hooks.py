"""Hooks: auth refuses with authentication_failed / authorization_failed, rate limits with
rate_limit_exceeded, telephony routing and DTMF callbacks, data retention."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from voicegraph.backends.hooks import (
    CallRoute,
    ConnectRequest,
    DataRetentionHook,
    Hooks,
    Principal,
    TelephonyHook,
    TokenAuthHook,
)
from voicegraph.backends.providers import create_backend
from voicegraph.backends.rate_limiter import RateLimiter
from voicegraph.backends.session import SessionState
from voicegraph.backends.stores.memory_store import MemorySessionStore
from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import ErrorFrame, TranscriptFrame
from voicegraph.processors.agent.echo_agent import EchoAgent
from voicegraph.transports.dtmf_frame import DTMFFrame

from .support import echo_graph, memory_backend, read_reply

pytestmark = pytest.mark.anyio

TOKENS = {
    "s3cret": Principal(id="alice"),
    "reader": Principal(id="bob", scopes=frozenset({"session.create"})),
}


async def test_a_client_without_a_valid_token_is_refused_with_authentication_failed() -> None:
    async with memory_backend(hooks=Hooks(auth=TokenAuthHook(tokens=TOKENS))) as backend:
        for params in ({}, {"token": "wrong"}):
            with pytest.raises(VoiceError) as err:
                await backend.transport.connect(params=params)
            assert err.value.code is ErrorCode.AUTHENTICATION_FAILED
        assert backend.manager.live == {}


async def test_at_a_full_server_an_unauthenticated_client_hears_about_auth_not_capacity() -> None:
    hooks = Hooks(auth=TokenAuthHook(tokens=TOKENS))
    async with memory_backend(hooks=hooks, max_sessions=1) as backend:
        first = await backend.transport.connect(params={"token": "s3cret"})
        with pytest.raises(VoiceError) as err:
            await backend.transport.connect(params={"token": "wrong"})
        assert err.value.code is ErrorCode.AUTHENTICATION_FAILED, "not session_limit_exceeded"
        with pytest.raises(VoiceError) as full:
            await backend.transport.connect(params={"token": "s3cret"})
        assert full.value.code is ErrorCode.SESSION_LIMIT_EXCEEDED
        await first.end()


async def test_a_bearer_token_admits_the_client_as_its_principal() -> None:
    async with memory_backend(hooks=Hooks(auth=TokenAuthHook(tokens=TOKENS))) as backend:
        client = await backend.transport.connect(headers={"authorization": "Bearer s3cret"})
        await asyncio.sleep(0.05)
        assert backend.manager.get(client.session_id).principal == "alice"
        await client.end()


async def test_tokens_come_from_the_environment_variable() -> None:
    hook = TokenAuthHook(env="VG_TEST_TOKENS_UNSET")
    with pytest.raises(VoiceError) as err:
        await hook.authenticate(ConnectRequest(params={"token": "x"}))
    assert err.value.code is ErrorCode.AUTHENTICATION_FAILED


async def test_an_operation_outside_the_principals_scopes_gets_authorization_failed() -> None:
    async with memory_backend(hooks=Hooks(auth=TokenAuthHook(tokens=TOKENS))) as backend:
        client = await backend.transport.connect(params={"token": "reader"})
        await client.send_frame(TranscriptFrame(text="hello"))
        async with asyncio.timeout(5):
            frame = await client.next_output()
            while not isinstance(frame, ErrorFrame):
                frame = await client.next_output()
        assert frame.error.code is ErrorCode.AUTHORIZATION_FAILED
        with pytest.raises(VoiceError) as err:
            await backend.manager.update_metadata(client.session_id, {"x": 1})
        assert err.value.code is ErrorCode.AUTHORIZATION_FAILED
        await client.end()


async def test_websocket_auth_refusal_closes_with_4401_and_the_code() -> None:
    backend = create_backend(
        "websocket", echo_graph, options={"port": 0}, hooks=Hooks(auth=TokenAuthHook(tokens=TOKENS))
    )
    async with backend:
        url = backend.transport.url
        async with connect(url) as ws:
            await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
            msg = json.loads(await ws.recv())
            with pytest.raises(ConnectionClosed):
                await ws.recv()
        assert msg == {
            "type": "error",
            "code": "authentication_failed",
            "message": "missing or invalid token",
        }
        assert ws.close_code == 4401
        async with connect(url, additional_headers={"Authorization": "Bearer s3cret"}) as ws:
            await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
            started = json.loads(await ws.recv())
            assert started["type"] == "started"


async def test_connect_bursts_over_the_rate_are_refused_with_rate_limit_exceeded() -> None:
    limiter = RateLimiter(rate=0.01, burst=3)
    async with memory_backend(hooks=Hooks(rate_limiter=limiter)) as backend:
        ok = [await backend.transport.connect(remote="10.0.0.1:5000") for _ in range(3)]
        with pytest.raises(VoiceError) as err:
            await backend.transport.connect(remote="10.0.0.1:5000")
        assert err.value.code is ErrorCode.RATE_LIMIT_EXCEEDED
        assert err.value.retriable
        for c in ok:
            await c.end()


async def test_connects_from_one_host_share_a_bucket_whatever_their_port() -> None:
    limiter = RateLimiter(rate=0.01, burst=2)
    async with memory_backend(hooks=Hooks(rate_limiter=limiter)) as backend:
        ok = [await backend.transport.connect(remote=f"10.0.0.1:{5000 + i}") for i in range(2)]
        with pytest.raises(VoiceError) as err:
            await backend.transport.connect(remote="10.0.0.1:5002")
        assert err.value.code is ErrorCode.RATE_LIMIT_EXCEEDED
        ok.append(await backend.transport.connect(remote="10.0.0.2:5000"))  # another host: its own
        for c in ok:
            await c.end()


@pytest.mark.parametrize(
    ("remote", "client"),
    [("10.0.0.1:5000", "10.0.0.1"), ("[::1]:5000", "::1"), ("::1", "::1"), ("alice", "alice"), ("", "ws")],
)
def test_the_client_of_a_connect_request_is_its_host(remote: str, client: str) -> None:
    assert ConnectRequest(transport="ws", remote=remote).client == client


async def test_messages_over_the_rate_get_a_rate_limit_exceeded_error_and_are_dropped() -> None:
    limiter = RateLimiter(rate=0.01, burst=2)
    async with memory_backend(hooks=Hooks(rate_limiter=limiter)) as backend:
        client = await backend.transport.connect(remote="a")
        for word in ("one", "two", "three"):
            await client.send_frame(TranscriptFrame(text=word))
        _, first = await read_reply(client)
        _, second = await read_reply(client)
        errors = [f for f in first + second if isinstance(f, ErrorFrame)]
        assert [e.error.code for e in errors] == [ErrorCode.RATE_LIMIT_EXCEEDED]
        context = str(backend.manager.get(client.session_id).conversation)
        assert "two" in context and "three" not in context
        await client.end()


def test_a_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=1, clock=lambda: now[0])
    limiter.check("k")
    with pytest.raises(VoiceError):
        limiter.check("k")
    now[0] = 0.5
    limiter.check("k")
    limiter.check("other")
    assert limiter.refused == 1


class Router(TelephonyHook):
    def __init__(self) -> None:
        self.digits: list[tuple[str, str]] = []
        self.three = asyncio.Event()

    async def route(self, request: ConnectRequest) -> CallRoute:
        if request.params.get("to") == "+15550000":
            return CallRoute(accept=False, reason="number not in service")
        return CallRoute(metadata={"queue": request.params.get("to", "main")})

    async def on_dtmf(self, session_id: str, digit: str) -> None:
        self.digits.append((session_id, digit))
        if len(self.digits) == 3:
            self.three.set()


async def test_inbound_calls_are_routed_by_the_telephony_hook() -> None:
    async with memory_backend(hooks=Hooks(telephony=Router())) as backend:
        with pytest.raises(VoiceError) as err:
            await backend.transport.connect(params={"to": "+15550000"})
        assert err.value.code is ErrorCode.AUTHORIZATION_FAILED
        client = await backend.transport.connect(params={"to": "sales"})
        await asyncio.sleep(0.05)
        assert backend.manager.get(client.session_id).metadata["queue"] == "sales"
        await client.end()


async def test_dtmf_key_presses_reach_the_telephony_hook() -> None:
    router = Router()
    async with memory_backend(hooks=Hooks(telephony=router)) as backend:
        client = await backend.transport.connect()
        for digit in "42#":
            await client.send_frame(DTMFFrame(digit=digit))
        async with asyncio.timeout(5):
            await router.three.wait()
        assert router.digits == [(client.session_id, d) for d in "42#"]
        await backend.manager.transfer(client.session_id, "+15551234")
        assert backend.manager.get(client.session_id).metadata["transfer_target"] == "+15551234"
        await client.end()


async def test_the_retention_hook_keeps_completed_sessions_for_its_time() -> None:
    store = MemorySessionStore()
    hooks = Hooks(retention=DataRetentionHook(keep_s=3600))
    async with memory_backend(store=store, hooks=hooks) as backend:
        client = await backend.transport.connect()
        await client.send_frame(TranscriptFrame(text="keep me"))
        await read_reply(client)
        await client.end()
        await client.wait_finished()
        async with asyncio.timeout(5):
            await backend.manager.wait_ended()
    kept = await store.load(client.session_id)
    assert kept is not None and kept.state is SessionState.COMPLETED
    assert kept.expires_at is not None and kept.expires_at > kept.updated_at + 3500
    assert "keep me" in str(kept.conversation)


class _Grumpy(Processor):
    """Refuses one word with a coded error (as a node failing on bad input does)."""

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        if "boom" in frame.text:
            raise VoiceError(ErrorCode.INVALID_INPUT, "no booms here")
        await out.send(frame)


async def test_a_sessions_coded_errors_are_kept_in_its_record() -> None:
    store = MemorySessionStore()
    hooks = Hooks(retention=DataRetentionHook(keep_s=3600))

    def graph(conn: Any) -> Graph:
        return Graph.chain(conn.input(), _Grumpy(), EchoAgent(), conn.output(), name="grumpy")

    async with memory_backend(graph, store=store, hooks=hooks) as backend:
        client = await backend.transport.connect()
        await client.send_frame(TranscriptFrame(text="boom"))
        await client.send_frame(TranscriptFrame(text="fine"))
        await read_reply(client)
        await client.end()
        async with asyncio.timeout(5):
            await backend.manager.wait_ended()
    kept = await store.load(client.session_id)
    assert kept is not None
    assert [(e["code"], e["node"]) for e in kept.errors] == [("invalid_input", "_Grumpy")]
    assert kept.errors[0]["message"] == "no booms here"
