"""OpenAIChatClient against the fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply, FakeToolCall
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.chat_events import ChatEvent, Finish, TextDelta, Usage
from voicegraph.processors.agent.chat_timeouts import ChatTimeouts
from voicegraph.processors.agent.endpoint import Endpoint
from voicegraph.processors.agent.openai_chat_client import OpenAIChatClient
from voicegraph.processors.agent.retry_policy import RetryPolicy

pytestmark = pytest.mark.anyio

MESSAGES = ({"role": "user", "content": "hi"},)
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05)


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIChatServer]:
    async with FakeOpenAIChatServer(api_key="sk-test") as srv:
        yield srv


def _endpoint(srv: FakeOpenAIChatServer, model: str = "fake-1", key: str = "sk-test") -> Endpoint:
    return Endpoint(base_url=srv.base_url, model=model, api_key=key)


async def _events(client: OpenAIChatClient) -> list[ChatEvent]:
    async with contextlib.aclosing(client.stream(MESSAGES)) as stream:
        return [event async for event in stream]


async def test_stream_yields_deltas_in_order_then_finish_then_usage(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(texts=("Hel", "lo", " there")))
    async with OpenAIChatClient(_endpoint(server)) as client:
        events = await _events(client)
    assert events == [
        TextDelta("Hel"), TextDelta("lo"), TextDelta(" there"), Finish("stop"),
        Usage(prompt_tokens=7, completion_tokens=3, total_tokens=10),
    ]  # fmt: skip


async def test_request_carries_model_messages_key_stream_and_usage_option(
    server: FakeOpenAIChatServer,
) -> None:
    async with OpenAIChatClient(_endpoint(server)) as client:
        await client.complete(MESSAGES, temperature=0.2)
    request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body == {
        "model": "fake-1", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2,
        "stream": True, "stream_options": {"include_usage": True},
    }  # fmt: skip


async def test_tool_call_deltas_are_assembled_per_index(server: FakeOpenAIChatServer) -> None:
    server.script(
        FakeReply(
            texts=(),
            tool_calls=(
                FakeToolCall("get_weather", ('{"city": ', '"Paris"}'), id="call_a"),
                FakeToolCall("get_time", ("{}",), id="call_b"),
            ),
        )
    )
    async with OpenAIChatClient(_endpoint(server)) as client:
        result = await client.complete(MESSAGES, tools=({"type": "function", "function": {"name": "x"}},))
    assert result.finish_reason == "tool_calls"
    assert [(c.index, c.id, c.name) for c in result.tool_calls] == [
        (0, "call_a", "get_weather"),
        (1, "call_b", "get_time"),
    ]
    assert result.tool_calls[0].parsed_arguments() == {"city": "Paris"}
    assert server.requests[0].body["tools"] == [{"type": "function", "function": {"name": "x"}}]


async def test_server_errors_are_retried_with_backoff_until_success(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(status=500), FakeReply(status=429), FakeReply(texts=("ok",)))
    async with OpenAIChatClient(_endpoint(server), retry=FAST_RETRY) as client:
        result = await client.complete(MESSAGES)
    assert (result.text, client.attempts, len(server.requests)) == ("ok", 3, 3)


async def test_retry_after_header_sets_the_backoff(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(status=429, retry_after="0.3"), FakeReply(texts=("ok",)))
    policy = RetryPolicy(max_attempts=2, base_delay_s=0.0, max_delay_s=5.0)
    async with OpenAIChatClient(_endpoint(server), retry=policy) as client:
        t0 = time.monotonic()
        await client.complete(MESSAGES)
    assert time.monotonic() - t0 >= 0.3


async def test_persistent_rate_limit_raises_a_retriable_rate_limit_error(
    server: FakeOpenAIChatServer,
) -> None:
    server.default = FakeReply(status=429, error={"message": "slow down", "type": "rate_limit_error"})
    async with OpenAIChatClient(_endpoint(server), retry=FAST_RETRY) as client:
        with pytest.raises(VoiceError) as info:
            await client.complete(MESSAGES)
    assert (info.value.code, info.value.retriable, len(server.requests)) == (
        ErrorCode.RATE_LIMIT_EXCEEDED,
        True,
        3,
    )


async def test_insufficient_quota_is_not_retried(server: FakeOpenAIChatServer) -> None:
    server.default = FakeReply(status=429, error={"message": "quota", "type": "insufficient_quota"})
    async with OpenAIChatClient(_endpoint(server), retry=FAST_RETRY) as client:
        with pytest.raises(VoiceError) as info:
            await client.complete(MESSAGES)
    assert (info.value.code, len(server.requests)) == (ErrorCode.RATE_LIMIT_EXCEEDED, 1)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, ErrorCode.AUTHENTICATION_FAILED),
        (403, ErrorCode.AUTHORIZATION_FAILED),
        (400, ErrorCode.INVALID_INPUT),
    ],
)
async def test_client_errors_map_to_codes_without_retry(
    server: FakeOpenAIChatServer, status: int, code: ErrorCode
) -> None:
    server.default = FakeReply(status=status)
    async with OpenAIChatClient(_endpoint(server), retry=FAST_RETRY) as client:
        with pytest.raises(VoiceError) as info:
            await client.complete(MESSAGES)
    assert (info.value.code, info.value.retriable, len(server.requests)) == (code, False, 1)


async def test_wrong_api_key_is_an_authentication_failure(server: FakeOpenAIChatServer) -> None:
    async with OpenAIChatClient(_endpoint(server, key="sk-wrong")) as client:
        with pytest.raises(VoiceError) as info:
            await client.complete(MESSAGES)
    assert info.value.code is ErrorCode.AUTHENTICATION_FAILED


async def test_failed_endpoint_falls_back_to_the_next_one() -> None:
    async with FakeOpenAIChatServer() as primary, FakeOpenAIChatServer() as backup:
        primary.default = FakeReply(status=503)
        backup.script(FakeReply(texts=("from", " backup")))
        endpoints = [
            Endpoint(base_url=primary.base_url, model="a"),
            Endpoint(base_url=backup.base_url, model="b"),
        ]
        async with OpenAIChatClient(endpoints, retry=FAST_RETRY) as client:
            result = await client.complete(MESSAGES)
    assert (result.text, client.last_endpoint, len(primary.requests)) == ("from backup", endpoints[1], 3)
    assert backup.requests[0].body["model"] == "b"


async def test_unreachable_endpoint_falls_back_with_connection_failed_first() -> None:
    async with FakeOpenAIChatServer() as backup:
        dead = Endpoint(base_url="http://127.0.0.1:9/v1", model="a")
        async with OpenAIChatClient(
            [dead, Endpoint(base_url=backup.base_url, model="b")], retry=FAST_RETRY
        ) as client:
            result = await client.complete(MESSAGES)
    assert result.text == "Hello world!"


async def test_slow_first_token_times_out_with_timeout_code(server: FakeOpenAIChatServer) -> None:
    server.default = FakeReply(first_delay_s=2.0)
    timeouts = ChatTimeouts(first_token_s=0.2)
    async with OpenAIChatClient(
        _endpoint(server), timeouts=timeouts, retry=RetryPolicy(max_attempts=2)
    ) as client:
        t0 = time.monotonic()
        with pytest.raises(VoiceError) as info:
            await client.complete(MESSAGES)
    assert (info.value.code, len(server.requests)) == (ErrorCode.TIMEOUT, 2)
    assert time.monotonic() - t0 < 1.5


async def test_slow_first_token_then_fast_retry_succeeds(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(first_delay_s=2.0), FakeReply(texts=("quick",)))
    async with OpenAIChatClient(
        _endpoint(server), timeouts=ChatTimeouts(first_token_s=0.2), retry=FAST_RETRY
    ) as client:
        result = await client.complete(MESSAGES)
    assert result.text == "quick"


async def test_total_deadline_bounds_a_slow_stream(server: FakeOpenAIChatServer) -> None:
    server.default = FakeReply(texts=("a",) * 50, chunk_delay_s=0.05)
    async with OpenAIChatClient(_endpoint(server), timeouts=ChatTimeouts(total_s=0.3)) as client:
        with pytest.raises(VoiceError) as info:
            await client.complete(MESSAGES)
    assert (info.value.code, len(server.requests)) == (ErrorCode.TIMEOUT, 1)


async def test_mid_stream_disconnect_raises_connection_failed_without_retry(
    server: FakeOpenAIChatServer,
) -> None:
    server.default = FakeReply(texts=("one", " two", " three"), disconnect_after=2)
    got: list[ChatEvent] = []
    async with OpenAIChatClient(_endpoint(server), retry=FAST_RETRY) as client:
        with pytest.raises(VoiceError) as info:
            async with contextlib.aclosing(client.stream(MESSAGES)) as stream:
                async for event in stream:
                    got.append(event)
    assert (info.value.code, got, len(server.requests)) == (
        ErrorCode.CONNECTION_FAILED, [TextDelta("one"), TextDelta(" two")], 1,
    )  # fmt: skip


async def test_disconnect_before_any_token_is_retried(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(disconnect_after=0), FakeReply(texts=("again",)))
    async with OpenAIChatClient(_endpoint(server), retry=FAST_RETRY) as client:
        result = await client.complete(MESSAGES)
    assert (result.text, len(server.requests)) == ("again", 2)


async def test_connection_dropped_before_any_response_is_retried_without_backoff(
    server: FakeOpenAIChatServer,
) -> None:
    server.script(FakeReply(drop_before_response=True), FakeReply(texts=("fresh",)))
    slow_backoff = RetryPolicy(max_attempts=2, base_delay_s=5.0, max_delay_s=5.0)
    async with OpenAIChatClient(_endpoint(server), retry=slow_backoff) as client:
        t0 = time.monotonic()
        result = await client.complete(MESSAGES)
    assert (result.text, client.attempts) == ("fresh", 2)
    assert time.monotonic() - t0 < 2.0


async def test_malformed_chunk_is_a_protocol_error(server: FakeOpenAIChatServer) -> None:
    server.default = FakeReply(raw_events=("{not json",))
    async with OpenAIChatClient(_endpoint(server), retry=FAST_RETRY) as client:
        with pytest.raises(VoiceError) as info:
            await client.complete(MESSAGES)
    assert (info.value.code, len(server.requests)) == (ErrorCode.PROTOCOL_ERROR, 1)


async def test_mid_stream_error_event_maps_to_its_code(server: FakeOpenAIChatServer) -> None:
    server.default = FakeReply(texts=("partial",), error={"message": "busy", "type": "rate_limit_error"})
    async with OpenAIChatClient(_endpoint(server), retry=FAST_RETRY) as client:
        with pytest.raises(VoiceError) as info:
            await client.complete(MESSAGES)
    assert (info.value.code, len(server.requests)) == (ErrorCode.RATE_LIMIT_EXCEEDED, 1)


async def test_closing_the_stream_early_closes_the_http_response(server: FakeOpenAIChatServer) -> None:
    server.default = FakeReply(texts=("a",) * 40, chunk_delay_s=0.05)
    async with OpenAIChatClient(_endpoint(server)) as client:
        async with contextlib.aclosing(client.stream(MESSAGES)) as stream:
            first = await anext(stream)
        for _ in range(100):
            if server.cut_by_client:
                break
            await asyncio.sleep(0.01)
    assert (first, server.cut_by_client, server.open_streams) == (TextDelta("a"), 1, 0)
