"""A whole conversation with the stock graph on real engines: Silero VAD, Whisper, Piper, playout.

A scripted caller (Piper voice, played in real time) says three lines; the second answer
is long and the third line cuts it off (barge-in). The agent is the ScriptedAgent, so
the replies are known; everything else is the stock graph. The conversation runs once
for the module (about 25 s); each test checks one behaviour of it.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.speech import normalize_words, word_accuracy
from voicegraph.demo.caller_line import CallerLine
from voicegraph.demo.offline_conversation import ConversationResult, OfflineConversation
from voicegraph.demo.request_timing import RequestTiming
from voicegraph.graphs.voice_agent import VoiceAgentOptions

LINES = (
    CallerLine("What is your name?"),
    CallerLine("Tell me about the planets of the solar system."),
    CallerLine("Which planet is the biggest?", barge_in_s=1.5),
)
NAME = "My name is Vee. I am a voice agent."
PLANETS = (
    "The solar system has eight planets. Mercury is the closest to the sun, then come Venus, "
    "Earth and Mars. Beyond the asteroid belt are the gas giants Jupiter and Saturn, and "
    "farther out the ice giants Uranus and Neptune."
)
BIGGEST = "Jupiter is the biggest planet."
RULES = [["biggest", BIGGEST], ["planet", PLANETS], ["name", NAME]]
CHUNK_NS = 20_000_000


@pytest.fixture(scope="module")
def talk() -> ConversationResult:
    options = VoiceAgentOptions(agent="scripted", agent_params={"rules": RULES})
    return asyncio.run(OfflineConversation(options, lines=LINES).run())


@pytest.fixture(scope="module")
def turns(talk: ConversationResult) -> list[RequestTiming]:
    return talk.turns


def interruption_during(talk: ConversationResult, turn: RequestTiming, until_ns: int) -> int:
    """Clock time of the interruption that cut `turn`'s reply (raised when the VAD decided)."""
    return next(
        e.t_ns for e in talk.events if e.kind == "interrupt" and turn.audio_out_ns < e.t_ns < until_ns
    )


def test_the_conversation_has_one_turn_per_caller_line(
    turns: list[RequestTiming], talk: ConversationResult
) -> None:
    assert len(turns) == len(LINES)
    assert talk.errors == []


def test_the_bot_heard_what_the_caller_said(turns: list[RequestTiming]) -> None:
    for line, turn in zip(LINES, turns, strict=True):
        assert word_accuracy(line.text, turn.user_text) >= 0.75, (line.text, turn.user_text)


def test_the_bot_answered_every_turn_out_loud(turns: list[RequestTiming]) -> None:
    assert [t.bot_text for t in turns] == [NAME, PLANETS, BIGGEST]
    assert all(t.audio_out_ns > t.request_ns for t in turns)


def test_the_barge_in_cut_the_second_reply_off(turns: list[RequestTiming]) -> None:
    assert [t.interrupted for t in turns] == [False, True, False]


def test_bot_audio_stopped_within_one_chunk_of_the_vads_decision(
    talk: ConversationResult, turns: list[RequestTiming]
) -> None:
    second, third = turns[1], turns[2]
    cut_at = interruption_during(talk, second, third.request_ns)
    vad_start = next(e.t_ns for e in talk.events if e.kind == "vad_start" and e.t_ns >= cut_at)
    reply = [c for c in talk.recorder.bot if second.audio_out_ns <= c.start_ns < third.audio_out_ns]
    assert vad_start - cut_at < CHUNK_NS  # the interruption is the VAD's start decision
    assert reply and max(c.start_ns for c in reply) <= cut_at  # nothing started playing after it
    assert max(c.start_ns + c.duration_ns for c in reply) <= cut_at + CHUNK_NS


def test_the_context_keeps_only_the_heard_part_of_the_cut_reply(talk: ConversationResult) -> None:
    said = [m["content"] for m in talk.messages if m["role"] == "assistant"]
    heard = normalize_words(said[1])
    planets = normalize_words(PLANETS)
    assert 0 < len(heard) < len(planets)
    assert heard == planets[: len(heard)]


def test_the_context_keeps_replies_that_played_to_the_end_whole(talk: ConversationResult) -> None:
    roles = [m["role"] for m in talk.messages]
    said = [m["content"] for m in talk.messages if m["role"] == "assistant"]
    assert roles == ["user", "assistant"] * 3
    assert (said[0], said[2]) == (NAME, BIGGEST)


def test_the_recording_holds_both_sides(talk: ConversationResult) -> None:
    user, bot = talk.recorder.tracks(16000)
    assert len(user) == len(bot) > 16000 * 8
    assert abs(user).max() > 5000 and abs(bot).max() > 5000
