"""Tool calls, hang-ups and transfers, seen by ConversationTest: an LLM agent against the fake
OpenAI-compatible server (tests/fakes/openai_chat.py) with real tools."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply, FakeToolCall
from voicegraph.evals import ConversationTest, ExpectationError
from voicegraph.graphs.voice_agent import VoiceAgentOptions

pytestmark = pytest.mark.anyio
TOOLS = [
    "tests.evals.agent_tools:get_weather",
    "tests.evals.agent_tools:hang_up",
    "tests.evals.agent_tools:transfer_to_billing",
]


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAIChatServer]:
    async with FakeOpenAIChatServer() as server:
        yield server


def options(server: FakeOpenAIChatServer) -> VoiceAgentOptions:
    agent = {"base_url": server.base_url, "model": "fake", "tools": TOOLS}
    return VoiceAgentOptions(agent="llm", params={"agent": agent})


def call(name: str, args: str = "{}") -> FakeReply:
    return FakeReply(texts=(), tool_calls=(FakeToolCall(name, (args,)),))


async def test_a_tool_call_is_seen_with_its_arguments_before_the_answer(llm: FakeOpenAIChatServer) -> None:
    llm.script(call("get_weather", '{"city": "Paris"}'), FakeReply(texts=("It is sunny", " in Paris.")))
    async with ConversationTest(options=options(llm)) as conv:
        assert not conv.virtual, "an HTTP agent runs in real time"
        turn = await conv.user_says("What is the weather in Paris?")
    turn.expect.called_tool("get_weather", city="Paris").said("sunny")
    with pytest.raises(ExpectationError):
        turn.expect.called_tool("get_weather")  # only one call, already matched
    assert "It is sunny in Paris." in str(llm.requests[1].body["messages"]), "the tool really ran"


async def test_tool_arguments_that_differ_fail_the_expectation(llm: FakeOpenAIChatServer) -> None:
    llm.script(call("get_weather", '{"city": "Lyon"}'), FakeReply(texts=("Sunny.",)))
    async with ConversationTest(options=options(llm)) as conv:
        turn = await conv.user_says("What is the weather in Paris?")
    with pytest.raises(ExpectationError, match=r"called get_weather\(city='Lyon'\)"):
        turn.expect.called_tool("get_weather", city="Paris")


async def test_a_hang_up_is_seen_after_the_goodbye(llm: FakeOpenAIChatServer) -> None:
    llm.script(call("hang_up"), FakeReply(texts=("Goodbye!",)))
    async with ConversationTest(options=options(llm)) as conv:
        turn = await conv.user_says("That is all, bye.")
    turn.expect.called_tool("hang_up").said("goodbye").ended_call()
    with pytest.raises(ExpectationError):
        turn.expect.transferred()


async def test_a_transfer_is_seen_with_its_target(llm: FakeOpenAIChatServer) -> None:
    llm.script(call("transfer_to_billing"), FakeReply(texts=("Transferring you now.",)))
    async with ConversationTest(options=options(llm)) as conv:
        turn = await conv.user_says("I have a question about my bill.")
    with pytest.raises(ExpectationError, match="transferred to 'billing'"):
        turn.expect.transferred("sales")
    turn.expect.transferred("billing")


async def test_an_agent_that_fails_shows_its_coded_error_in_the_turn(llm: FakeOpenAIChatServer) -> None:
    llm.script(FakeReply(status=400, error={"message": "bad request", "type": "invalid_request_error"}))
    async with ConversationTest(options=options(llm)) as conv:
        turn = await conv.user_says("Hello?")
    assert len(turn.errors) == 1 and turn.errors[0].startswith("["), turn.errors
    with pytest.raises(ExpectationError, match="error: \\["):
        turn.expect.said("hello")
