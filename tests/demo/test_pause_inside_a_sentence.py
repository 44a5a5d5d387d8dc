"""A pause inside a sentence on real engines: the stock graph keeps it one user turn.

The caller stops for 0.2 s mid-sentence: long enough for the VAD to close the utterance
(0.1 s) and for the turn delay (0.3 s from the end of speech) to pass before the VAD
can confirm the resumed speech (0.2 s of it). The VAD's speech onset holds the turn end,
the reply prepared for the first half is dropped, and the bot answers the whole sentence
once.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.speech import normalize_words, with_pauses, word_accuracy
from voicegraph.demo.offline_conversation import ConversationResult, OfflineConversation
from voicegraph.graphs.voice_agent import VoiceAgentOptions

FIRST, SECOND = "What is the weather like", "in Paris tomorrow?"
REPLY = "It will be sunny in Paris."


@pytest.fixture(scope="module", params=["whisper", "pocketsphinx"])
def talk(request: pytest.FixtureRequest) -> ConversationResult:
    pcm, _ = with_pauses([0.6, FIRST, 0.2, SECOND, 3.0], engine="piper")
    options = VoiceAgentOptions(stt=request.param, agent="scripted", agent_params={"default": REPLY})
    return asyncio.run(OfflineConversation(options, recording=pcm).run())


def test_the_user_turn_holds_the_whole_sentence_once(talk: ConversationResult) -> None:
    users = [m["content"] for m in talk.messages if m["role"] == "user"]
    assert len(users) == 1, users
    assert word_accuracy(f"{FIRST} {SECOND}", users[0]) >= 0.6, users[0]
    heard = normalize_words(users[0])
    assert "weather" in heard and ("paris" in heard or "tomorrow" in heard), "both halves are in it"


def test_the_bot_answered_the_whole_sentence_and_nothing_else(talk: ConversationResult) -> None:
    replies = [m["content"] for m in talk.messages if m["role"] == "assistant"]
    assert replies == [REPLY]
    assert talk.errors == []


def test_a_comma_pause_longer_than_the_turn_delay_still_makes_one_user_turn() -> None:
    # 0.4 s: the turn ends (0.3 s) and the reply starts before the user goes on; the
    # aggregator takes the turn back and asks again with the whole sentence.
    pcm, _ = with_pauses([0.6, FIRST, 0.4, SECOND, 3.0], engine="piper")
    options = VoiceAgentOptions(agent="scripted", agent_params={"default": REPLY})
    talk = asyncio.run(OfflineConversation(options, recording=pcm).run())
    users = [m["content"] for m in talk.messages if m["role"] == "user"]
    assert len(users) == 1, users
    assert word_accuracy(f"{FIRST} {SECOND}", users[0]) >= 0.6, users[0]
    assert [m["content"] for m in talk.messages if m["role"] == "assistant"][-1] == REPLY
