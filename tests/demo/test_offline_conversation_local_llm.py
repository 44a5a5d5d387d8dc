"""The stock graph with its real local LLM (SmolLM2): one turn, checked for structure only."""

from __future__ import annotations

import asyncio

import pytest

from voicegraph.demo.caller_line import CallerLine
from voicegraph.demo.offline_conversation import ConversationResult, OfflineConversation
from voicegraph.graphs.voice_agent import VoiceAgentOptions


@pytest.fixture(scope="module")
def talk() -> ConversationResult:
    options = VoiceAgentOptions(agent_params={"params": {"max_tokens": 24}})
    conversation = OfflineConversation(options, lines=[CallerLine("What is the capital of France?")])
    return asyncio.run(conversation.run())


def test_the_local_llm_answers_a_spoken_question_out_loud(talk: ConversationResult) -> None:
    (turn,) = talk.turns
    assert turn.bot_text.strip()
    assert turn.llm_ttft_ms is not None and turn.first_token_ns > turn.request_ns
    assert turn.audio_out_ns > turn.tts_audio_ns > turn.first_token_ns
    assert talk.errors == []


def test_the_context_holds_the_question_and_the_whole_answer(talk: ConversationResult) -> None:
    (turn,) = talk.turns
    assert [m["role"] for m in talk.messages] == ["user", "assistant"]
    assert talk.messages[0]["content"] == turn.user_text
    assert talk.messages[1]["content"] == turn.bot_text
