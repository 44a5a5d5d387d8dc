"""ConversationTest on typed turns: the stock graph cut to text, with the scripted agent."""

from __future__ import annotations

import pytest

from voicegraph.evals import ConversationTest, ExpectationError
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.graphs.voice_agent import VoiceAgentOptions

pytestmark = pytest.mark.anyio
RULES = [["weather", "It is sunny today. Take a hat."], ["name", "My name is Vee."]]


def scripted(**agent: object) -> VoiceAgentOptions:
    return VoiceAgentOptions(agent="scripted", agent_params={"rules": RULES, **agent})


async def test_a_typed_turn_gets_the_agents_reply() -> None:
    async with ConversationTest(options=scripted()) as conv:
        turn = await conv.user_says("What is your name?")
        turn.expect.said(r"\bVee\b")
    assert turn.said == "My name is Vee."
    assert turn.user_text == "What is your name?"


async def test_scripted_delays_pass_on_the_virtual_clock() -> None:
    async with ConversationTest(options=scripted(first_token_delay_s=2.0, token_delay_s=0.5)) as conv:
        assert conv.virtual
        turn = await conv.user_says("What is your name?")
    assert turn.timings_ms["first_text_ms"] == 2000.0, "virtual time is exact"
    assert turn.timings_ms["reply_ms"] == 2000.0 + 3 * 500.0
    turn.expect.within(first_text_ms=2000, reply_ms=3500)
    with pytest.raises(ExpectationError, match="first_text_ms was 2000 ms"):
        turn.expect.within(first_text_ms=1999)


async def test_each_turn_is_answered_in_order() -> None:
    async with ConversationTest(options=scripted()) as conv:
        turns = await conv.converse(["What is your name?", "How is the weather?", "Hm?"])
    assert [t.said for t in turns] == [
        "My name is Vee.",
        "It is sunny today. Take a hat.",
        "Sorry, I did not catch that.",
    ]
    assert [t.index for t in turns] == [1, 2, 3]


async def test_expectations_are_checked_in_order() -> None:
    async with ConversationTest(options=scripted()) as conv:
        turn = await conv.user_says("How is the weather?")
    turn.expect.said("sunny").said("hat")
    with pytest.raises(ExpectationError, match="no such event after the previous expectation"):
        turn.expect.said("sunny")


async def test_a_failed_expectation_shows_what_the_turn_did() -> None:
    async with ConversationTest(options=scripted()) as conv:
        turn = await conv.user_says("What is your name?")
    with pytest.raises(ExpectationError) as info:
        turn.expect.said("Paris")
    assert "said 'My name is Vee.'" in str(info.value)
    assert [c.passed for c in turn.expect.checks] == [False]


async def test_what_a_text_conversation_did_not_measure_fails_a_budget() -> None:
    async with ConversationTest(options=scripted()) as conv:
        turn = await conv.user_says("What is your name?")
    with pytest.raises(ExpectationError, match="not measured"):
        turn.expect.within(first_audio_ms=800)
    with pytest.raises(VoiceError) as info:
        turn.expect.within(first_byte_ms=800)
    assert info.value.code is ErrorCode.INVALID_INPUT


async def test_nothing_happened_fails_every_event_expectation() -> None:
    async with ConversationTest(options=scripted()) as conv:
        turn = await conv.user_says("What is your name?")
    for check in (turn.expect.interrupted, turn.expect.ended_call, turn.expect.transferred):
        with pytest.raises(ExpectationError):
            check()


async def test_a_spec_path_that_does_not_exist_is_one_coded_error() -> None:
    with pytest.raises(VoiceError) as info:
        ConversationTest("no/such/graph.yaml")
    assert info.value.code is ErrorCode.INVALID_INPUT


async def test_a_built_text_graph_is_driven_as_it_is() -> None:
    from voicegraph.framework.graph import Graph
    from voicegraph.processors.agent import ScriptedAgent
    from voicegraph.processors.context import AssistantAggregator, UserAggregator

    graph = Graph.chain(
        UserAggregator(context="main"),
        ScriptedAgent(script=["One.", "Two."]),
        AssistantAggregator(context="main", commit_on="generated"),
    )
    async with ConversationTest(graph) as conv:
        assert not conv.virtual, "a built graph runs on the real clock unless asked"
        turns = await conv.converse(["first", "second"])
    assert [t.said for t in turns] == ["One.", "Two."]


async def test_a_graph_without_an_agent_is_refused_with_a_code() -> None:
    from voicegraph.framework.graph import Graph
    from voicegraph.processors.context import UserAggregator

    with pytest.raises(VoiceError) as info:
        async with ConversationTest(Graph.chain(UserAggregator())):
            pass
    assert info.value.code is ErrorCode.INVALID_CONFIG


async def test_an_audio_conversation_takes_its_lines_in_one_call() -> None:
    async with ConversationTest(options=scripted(), audio=True) as conv:
        assert not conv.virtual, "spoken calls run in real time"
        with pytest.raises(VoiceError) as info:
            await conv.user_says("What is your name?")
    assert info.value.code is ErrorCode.INVALID_CONFIG
