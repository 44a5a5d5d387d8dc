"""CartesiaTurnsSTT (/stt/turns/websocket) against the fake Cartesia, on real synthesized speech.

The fake's turn model hears the audio with Silero and Whisper; with `turn_full_s=1.5`
and the node's `end_threshold=0.1` an eager end comes 0.6 s into a pause and the turn
ends 1.35 s into it, so the 0.9 s pause of `paused` resumes the turn.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.fakes.cartesia_server import FakeCartesia
from tests.memory_calls import reply_played
from tests.speech import normalize_words, with_pauses, word_accuracy
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    InterimTranscriptFrame,
    LLMMessagesFrame,
    LLMTextFrame,
    OutputAudioFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.context import AssistantAggregator, ConversationContext, ReplyGate, UserAggregator
from voicegraph.processors.stt.cartesia_turns_stt import CartesiaTurnsSTT
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts.espeak_tts import EspeakTTS
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.timeout(90),
    pytest.mark.usefixtures("cartesia_key"),
]
WHOLE = "Book a table for two at eight tonight please."
EARLY, FINAL = "For what time would that be?", "Done, a table for two at eight."


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def paused() -> NDArray[np.int16]:
    return with_pauses([0.4, "Book a table for two", 0.9, "at eight tonight please.", 1.8], engine="piper")[0]


async def _run(
    stt: CartesiaTurnsSTT,
    pcm: NDArray[np.int16],
    *,
    at_s: float = 0.0,
    fake: FakeCartesia | None = None,
) -> list[Frame]:
    """Stream `pcm` in 20 ms frames; with `fake`, cut its sockets once `at_s` of audio went
    in and the node saw the turn start."""
    async with Runtime(Graph.chain(stt)) as rt:
        out = rt.collect()
        for i in range(0, len(pcm), 320):
            if fake is not None and i >= at_s * 16000:
                await fake.wait_for(lambda: "turn.start" in stt.events)
                fake.drop()
                fake = None
            await rt.push(InputAudioFrame(data=pcm[i : i + 320].tobytes(), format=PCM16K))
            await asyncio.sleep(0.002)
        await rt.end()
    return out


def _finals(out: list[Frame]) -> list[TranscriptFrame]:
    return [f for f in out if isinstance(f, TranscriptFrame) and f.final]


def _turn_text(finals: list[TranscriptFrame]) -> str:
    """The turn's words as the user aggregator joins them (a revising final replaces)."""
    texts: list[str] = []
    for f in finals:
        texts = [f.text] if f.revises else [*texts, f.text]
    return " ".join(texts)


def _count(out: list[Frame], kind: type[Frame]) -> int:
    return sum(isinstance(f, kind) for f in out)


async def test_turn_events_become_speaking_transcript_and_turn_end_frames(paused: NDArray[np.int16]) -> None:
    async with FakeCartesia(turn_full_s=1.5) as fake:
        stt = CartesiaTurnsSTT(base_url=fake.ws_url, end_threshold=0.1, keyterms=["table"])
        out = await _run(stt, paused)
    assert [e for e in stt.events if e != "turn.update"] == [
        "connected", "turn.start", "turn.eager_end", "turn.resume", "turn.eager_end", "turn.end",
    ]  # fmt: skip
    kinds = [type(f) for f in out if not isinstance(f, InterimTranscriptFrame)]
    assert kinds.count(UserStartedSpeakingFrame) == 1, "eager events give no frames without eager"
    assert kinds.count(TurnEndFrame) == 1 and kinds.count(UserStoppedSpeakingFrame) == 1
    assert kinds.index(UserStartedSpeakingFrame) < kinds.index(UserStoppedSpeakingFrame)
    assert kinds.index(TranscriptFrame) < kinds.index(TurnEndFrame)
    assert len(_finals(out)) == 1 and word_accuracy(WHOLE, _finals(out)[0].text) >= 0.7
    assert any(isinstance(f, InterimTranscriptFrame) for f in out)
    assert fake.turns[0].keyterms == ["table"] and fake.turns[0].turn["end_threshold"] == 0.1
    assert {"type": "close"} in fake.received("turns"), "drain sends close"


async def test_eager_end_and_resume_give_each_word_once_across_a_paused_utterance(
    paused: NDArray[np.int16],
) -> None:
    async with FakeCartesia(turn_full_s=1.5) as fake:
        stt = CartesiaTurnsSTT(base_url=fake.ws_url, end_threshold=0.1, eager=True)
        out = await _run(stt, paused)
    finals = _finals(out)
    assert len(finals) == 2, finals
    assert word_accuracy("Book a table for two", finals[0].text) >= 0.7, "the eager end gave the first half"
    assert word_accuracy(WHOLE, _turn_text(finals)) >= 0.7
    assert _count(out, UserStartedSpeakingFrame) == 2, "start, then resumed"
    assert _count(out, UserStoppedSpeakingFrame) == 2 and _count(out, TurnEndFrame) == 1


async def test_a_socket_dropped_mid_turn_reconnects_and_the_turn_completes(paused: NDArray[np.int16]) -> None:
    async with FakeCartesia(turn_full_s=1.5) as fake:
        stt = CartesiaTurnsSTT(base_url=fake.ws_url, end_threshold=0.1)
        out = await _run(stt, paused, at_s=1.6, fake=fake)
    assert stt.connects == 2 and len(fake.turns) == 2
    assert _count(out, UserStartedSpeakingFrame) == 1, "the replayed turn goes on, no second start"
    assert _count(out, TurnEndFrame) == 1
    assert word_accuracy(WHOLE, _turn_text(_finals(out))) >= 0.7, "the turn's first words were replayed"


async def test_a_refused_start_is_retried_when_audio_comes(paused: NDArray[np.int16]) -> None:
    async with FakeCartesia(turn_full_s=1.5) as fake:
        fake.faults.refuse_status = 503
        stt = CartesiaTurnsSTT(base_url=fake.ws_url, end_threshold=0.1)
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            fake.faults.refuse_status = None
            for i in range(0, len(paused), 320):
                await rt.push(InputAudioFrame(data=paused[i : i + 320].tobytes(), format=PCM16K))
                await asyncio.sleep(0.002)
            await rt.end()
    assert stt.connects == 1 and [h["path"] for h in fake.handshakes] == ["/stt/turns/websocket"] * 2
    assert _count(out, TurnEndFrame) == 1 and word_accuracy(WHOLE, _finals(out)[0].text) >= 0.7


async def test_configure_changes_the_turn_settings_mid_session() -> None:
    async with FakeCartesia() as fake:
        stt = CartesiaTurnsSTT(base_url=fake.ws_url)
        async with Runtime(Graph.chain(stt)):
            await stt.configure(eager_end_threshold=0.5, end_timeout_ms=2000)
            with pytest.raises(VoiceError) as info:
                await stt.configure(start_threshold=0.95)
            await fake.wait_for(lambda: fake.turns[0].turn["end_timeout_ms"] == 2000)
    assert info.value.code is ErrorCode.INVALID_CONFIG and "start_threshold" in info.value.message
    assert fake.turns[0].turn["eager_end_threshold"] == 0.5 and fake.turns[0].turn["end_timeout_ms"] == 2000
    configs = [m for m in fake.received("turns") if m.get("type") == "config"]
    assert configs == [{"type": "config", "turn": {"eager_end_threshold": 0.5, "end_timeout_ms": 2000}}]
    assert "error" not in stt.events


@pytest.mark.parametrize(
    "kw",
    [
        {"start_threshold": 0.95},
        {"end_threshold": 0.01},
        {"eager_end_threshold": 0.7},
        {"end_timeout_ms": 100},
        {"end_threshold": 0.45},  # in range, but not below the default eager end (0.4)
    ],
)
def test_thresholds_out_of_range_are_config_errors(kw: dict[str, float]) -> None:
    with pytest.raises(VoiceError) as info:
        CartesiaTurnsSTT(**kw)  # type: ignore[arg-type]
    assert info.value.code is ErrorCode.INVALID_CONFIG and next(iter(kw)) in info.value.message


async def test_an_eager_reply_is_dropped_when_the_turn_resumes_and_the_final_reply_answers_it_all(
    paused: NDArray[np.int16],
) -> None:
    client, ctx = MemoryTransport(), ConversationContext()
    requests: list[str] = []
    said: list[str] = []
    audio_ns: list[int] = []
    async with FakeCartesia(turn_full_s=1.5) as fake:
        stt = CartesiaTurnsSTT(base_url=fake.ws_url, end_threshold=0.1, eager=True)
        user = UserAggregator(context=ctx, preemptive=True)
        agent = ScriptedAgent(rules=[("eight", FINAL), ("table", EARLY)], default="Sorry?")
        output = client.output()
        graph = Graph.chain(
            client.input(), stt, user, agent, SentenceAggregator(), EspeakTTS(),
            AssistantAggregator(context=ctx), ReplyGate(), output,
        )  # fmt: skip
        async with Runtime(graph) as rt:
            rt.observe(user.name, agent.name, lambda f, _: _append(f, LLMMessagesFrame, requests))
            rt.observe(agent.name, "SentenceAggregator", lambda f, _: _append(f, LLMTextFrame, said))
            into_output = next(lk for lk in rt.links if lk.dst.name == output.name)
            into_output.probes.append(
                lambda f, _: (
                    audio_ns.append(time.perf_counter_ns()) if isinstance(f, OutputAudioFrame) else None
                )
            )
            for i in range(0, len(paused), 320):  # real time, as a caller speaks
                await client.send_audio(paused[i : i + 320].tobytes())
                await asyncio.sleep(0.02)
            assert await reply_played(client, timeout_s=15)
        turn_end = next(m.t for m in fake.sent_events("turn.end"))
    assert len(requests) == 2, requests
    assert word_accuracy("Book a table for two", requests[0]) >= 0.7, "the eager request had the first half"
    assert word_accuracy(WHOLE, requests[1]) >= 0.7, "the final request has the whole utterance"
    spoken = normalize_words(" ".join(said))
    assert spoken[:3] == normalize_words(EARLY)[:3], "the preemptive reply was generated first"
    assert spoken[-len(normalize_words(FINAL)) :] == normalize_words(FINAL)
    assert min(audio_ns) / 1e9 > turn_end, "no reply audio before the end of the turn"
    user_turn, bot_turn = ctx.history()
    assert word_accuracy(WHOLE, str(user_turn["content"])) >= 0.7
    assert len(normalize_words(str(user_turn["content"]))) <= len(normalize_words(WHOLE)), "no word twice"
    assert bot_turn == {"role": "assistant", "content": FINAL}


def _append(frame: Frame, kind: type[Frame], into: list[str]) -> None:
    if isinstance(frame, LLMMessagesFrame) and kind is LLMMessagesFrame:
        into.append(str(frame.messages[-1]["content"]))
    elif isinstance(frame, LLMTextFrame) and kind is LLMTextFrame:
        into.append(frame.text)
