"""OpenAI chat (our httpx client and the LLMNode) through the HTTP fault proxy: retries or coded errors."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from voicegraph.framework import ErrorCode, Graph, Runtime, VoiceError
from voicegraph.framework.frames import LLMMessagesFrame, LLMResponseEndFrame, LLMTextFrame
from voicegraph.processors.agent import LLMNode
from voicegraph.processors.agent.chat_timeouts import ChatTimeouts
from voicegraph.processors.agent.endpoint import Endpoint
from voicegraph.processors.agent.openai_chat_client import OpenAIChatClient
from voicegraph.processors.agent.retry_policy import RetryPolicy
from voicegraph.testing import Fault, FaultRule, FaultSchedule, HttpFaultProxy

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

MESSAGES = ({"role": "user", "content": "hi"},)
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05)
SHORT = ChatTimeouts(connect_s=1.0, first_token_s=0.5, idle_s=0.5, total_s=3.0)
# Per request: at most 3 attempts of at most total_s each, plus backoff.
REQUEST_BOUND_S = 3 * SHORT.total_s + 1.0


@contextlib.asynccontextmanager
async def proxied(schedule: FaultSchedule) -> AsyncIterator[tuple[FakeOpenAIChatServer, HttpFaultProxy]]:
    async with FakeOpenAIChatServer() as server, HttpFaultProxy(server.port, schedule=schedule) as proxy:
        yield server, proxy


def client_for(proxy: HttpFaultProxy, retry: RetryPolicy = FAST_RETRY) -> OpenAIChatClient:
    endpoint = Endpoint(base_url=f"http://127.0.0.1:{proxy.port}/v1", model="fake")
    return OpenAIChatClient(endpoint, timeouts=SHORT, retry=retry)


def rules(*items: tuple[str, Fault, tuple[int, ...]]) -> FaultSchedule:
    return FaultSchedule(
        rules=tuple(FaultRule(operation=op, fault=f, at=n) for op, f, n in items), stall_s=5.0
    )


async def test_injected_5xx_429_and_dropped_requests_are_retried_to_an_answer() -> None:
    schedule = rules(
        ("request", Fault.STATUS_500, (1,)),
        ("request", Fault.STATUS_429, (2,)),
        ("request", Fault.DROP, (4,)),
    )
    async with proxied(schedule) as (_, proxy), client_for(proxy) as client:
        first = await client.complete(MESSAGES)
        attempts_first = client.attempts
        second = await client.complete(MESSAGES)
    assert (first.text, attempts_first) == ("Hello world!", 3)
    assert (second.text, client.attempts) == ("Hello world!", 2)
    assert proxy.schedule.injected == {"request:500": 1, "request:429": 1, "request:drop": 1}


async def test_a_stalled_request_times_out_with_a_code_and_the_retry_answers() -> None:
    async with proxied(rules(("request", Fault.STALL, (1,)))) as (_, proxy), client_for(proxy) as client:
        with anyio.fail_after(REQUEST_BOUND_S):
            result = await client.complete(MESSAGES)
    assert (result.text, client.attempts) == ("Hello world!", 2)


async def test_every_attempt_failing_ends_in_the_last_coded_error() -> None:
    schedule = rules(("request", Fault.STATUS_503, (1, 2, 3)))
    async with proxied(schedule) as (_, proxy), client_for(proxy) as client:
        with anyio.fail_after(REQUEST_BOUND_S), pytest.raises(VoiceError) as err:
            await client.complete(MESSAGES)
    assert err.value.code is ErrorCode.CONNECTION_FAILED and client.attempts == 3


async def test_refused_connects_are_a_connection_failed_error() -> None:
    async with proxied(FaultSchedule()) as (_, proxy), client_for(proxy) as client:
        proxy.refuse_new = True
        with anyio.fail_after(REQUEST_BOUND_S), pytest.raises(VoiceError) as err:
            await client.complete(MESSAGES)
    assert err.value.code is ErrorCode.CONNECTION_FAILED


async def test_a_stream_cut_after_the_first_token_is_a_coded_error_not_a_retry() -> None:
    async with proxied(rules(("chunk<", Fault.DROP, (3,)))) as (server, proxy), client_for(proxy) as client:
        server.default = FakeReply(texts=("one", " two", " three"), chunk_delay_s=0.05)
        with anyio.fail_after(REQUEST_BOUND_S), pytest.raises(VoiceError) as err:
            await client.complete(MESSAGES)
    assert err.value.code in (ErrorCode.CONNECTION_FAILED, ErrorCode.PROTOCOL_ERROR)
    assert client.attempts == 1


async def test_five_percent_random_faults_leave_every_request_answered_or_coded() -> None:
    schedule = FaultSchedule.uniform(
        0.05,
        {
            "request": (
                Fault.STATUS_500,
                Fault.STATUS_429,
                Fault.DROP,
                Fault.STALL,
                Fault.DELAY,
                Fault.TRUNCATE,
            ),
            "connect": (Fault.REFUSE,),
        },
        seed=18,
        delay_s=0.2,
        stall_s=5.0,
    )
    answered, codes = 0, []
    async with proxied(schedule) as (_, proxy), client_for(proxy) as client:
        for _ in range(40):
            try:
                with anyio.fail_after(REQUEST_BOUND_S):
                    answered += (await client.complete(MESSAGES)).text == "Hello world!"
            except VoiceError as err:
                codes.append(err.code)
    assert answered + len(codes) == 40 and answered >= 36
    assert proxy.schedule.total_injected > 0


async def test_llm_node_reports_a_coded_error_on_the_bus_and_still_closes_the_response() -> None:
    async with proxied(rules(("request", Fault.STATUS_500, (1, 2)))) as (_, proxy):
        node = LLMNode(
            base_url=f"http://127.0.0.1:{proxy.port}/v1",
            model="fake",
            timeouts=SHORT,
            retry={"max_attempts": 2, "base_delay_s": 0.01},
        )
        with anyio.fail_after(REQUEST_BOUND_S * 2):
            async with Runtime(Graph.chain(node)) as rt:
                out = rt.collect()
                await rt.push(LLMMessagesFrame(messages=MESSAGES))
                await rt.push(LLMMessagesFrame(messages=MESSAGES))
    assert [e.error.code for e in rt.bus.errors] == [ErrorCode.CONNECTION_FAILED]
    assert "".join(f.text for f in out if isinstance(f, LLMTextFrame)) == "Hello world!"
    assert sum(isinstance(f, LLMResponseEndFrame) for f in out) == 2
