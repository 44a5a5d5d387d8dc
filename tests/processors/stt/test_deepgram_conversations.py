"""Whole conversations through the Deepgram nodes and the local fake Deepgram: real VAD, eSpeak
TTS, scripted agent, memory transport; the user's speech is synthesized by Piper."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.fakes.deepgram_server import DeepgramFaults, FakeDeepgramServer
from tests.memory_calls import reply_played
from tests.speech import normalize_words, with_pauses, word_accuracy
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import (
    Frame,
    LLMMessagesFrame,
    LLMTextFrame,
    OutputAudioFrame,
    ReplyPlayedFrame,
)
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.context import AssistantAggregator, ConversationContext, ReplyGate, UserAggregator
from voicegraph.processors.stt.deepgram_flux_stt import DeepgramFluxSTT
from voicegraph.processors.stt.deepgram_stt import DeepgramSTT
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts.espeak_tts import EspeakTTS
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(90)]
KEY = "dg-key"
ASK = "Please book a table for four people at seven tonight."
BOOKED = "Your table is booked."
WHOLE = "Book a table for two at eight tonight please."
EARLY, FINAL = "For what time would that be?", "Done, a table for two at eight."


@pytest.fixture(scope="module")
def ask() -> NDArray[np.int16]:
    return with_pauses([0.6, ASK, 1.5], engine="piper")[0]


@pytest.fixture(scope="module")
def paused() -> NDArray[np.int16]:
    # The pause is long enough for the eager reply to start before the user goes on (the
    # fake's eager end comes 0.45 s into it, plus a Whisper pass) and too short to end the turn.
    return with_pauses([0.5, "Book a table for two", 0.9, "at eight tonight please.", 1.8], engine="piper")[0]


async def _speak(client: MemoryTransport, pcm: NDArray[np.int16], pace_s: float = 0.01) -> None:
    for i in range(0, len(pcm), 320):  # 20 ms chunks at twice real time
        await client.send_audio(pcm[i : i + 320].tobytes())
        await asyncio.sleep(pace_s)


def _nova_graph(client: MemoryTransport, ctx: ConversationContext, stt: DeepgramSTT) -> Graph:
    return Graph.chain(
        client.input(),
        VoiceActivityDetector(engine="silero", interrupt_on_speech=True, params=VADParams(stop_secs=0.2)),
        SilenceTurnDetector(min_delay=0.3),
        stt,
        UserAggregator(context=ctx),
        ScriptedAgent(rules=[("table", BOOKED)], default="Sorry?"),
        SentenceAggregator(),
        EspeakTTS(),
        AssistantAggregator(context=ctx),
        client.output(),
    )


async def _nova_turn(server: FakeDeepgramServer, ask: NDArray[np.int16]) -> ConversationContext:
    client, ctx = MemoryTransport(), ConversationContext()
    stt = DeepgramSTT(api_key=KEY, base_url=server.ws_base, finalize_wait_s=5.0)  # the fake shares 2 cores
    async with Runtime(_nova_graph(client, ctx, stt)):
        await _speak(client, ask)
        assert await reply_played(client, timeout_s=15)
    return ctx


async def test_a_nova_turn_finalizes_at_the_vad_stop_and_is_answered(ask: NDArray[np.int16]) -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        ctx = await _nova_turn(server, ask)
    user, bot = ctx.history()
    assert word_accuracy(ASK, user["content"]) >= 0.7 and bot == {"role": "assistant", "content": BOOKED}
    assert len(server.received("Finalize")) == 1 and server.received("CloseStream")
    finalized = [m for m in server.sent("Results") if m.get("from_finalize")]
    assert finalized and finalized[0]["channel"]["alternatives"][0]["transcript"], (
        "the Finalize answer has the words"
    )


async def test_a_nova_socket_dropped_mid_utterance_reconnects_and_the_turn_completes(
    ask: NDArray[np.int16],
) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=DeepgramFaults(drop_after_s=1.2)) as server:
        ctx = await _nova_turn(server, ask)
    assert [s.closed_by for s in server.sessions] == ["drop", "server"]
    user, bot = ctx.history()
    assert word_accuracy(ASK, user["content"]) >= 0.7 and bot["content"] == BOOKED


async def test_flux_eager_reply_is_dropped_when_the_turn_resumes_and_the_final_reply_answers_it_all(
    paused: NDArray[np.int16],
) -> None:
    client, ctx = MemoryTransport(), ConversationContext()
    requests: list[str] = []
    said: list[str] = []
    audio_ns: list[int] = []
    async with FakeDeepgramServer(
        api_key=KEY, flux_full_confidence_s=1.5
    ) as server:  # eager 0.45 s, end 1.35 s
        stt = DeepgramFluxSTT(
            api_key=KEY, base_url=server.ws_base, eager_eot_threshold=0.3, eot_threshold=0.9
        )
        user, agent = (
            UserAggregator(context=ctx, preemptive=True),
            ScriptedAgent(rules=[("eight", FINAL), ("table", EARLY)], default="Sorry?"),
        )
        gate, output = ReplyGate(), client.output()
        graph = Graph.chain(
            client.input(), stt, user, agent, SentenceAggregator(), EspeakTTS(),
            AssistantAggregator(context=ctx), gate, output,
        )  # fmt: skip
        async with Runtime(graph) as rt:
            rt.observe(user.name, agent.name, lambda f, _: _request(f, requests))
            rt.observe(agent.name, "SentenceAggregator", lambda f, _: _text(f, said))
            into_output = next(
                lk for lk in rt.links if lk.dst.name == output.name
            )  # after a format converter
            into_output.probes.append(lambda f, _: _audio(f, audio_ns))
            await _speak(client, paused, pace_s=0.02)  # real time, as a caller speaks
            assert await reply_played(client, timeout_s=15)
        end_of_turn_ns = next(t for t, m in server.sessions[0].sent_ns if m.get("event") == "EndOfTurn")
    assert [e for e in stt.events if e != "Update"] == [
        "StartOfTurn", "EagerEndOfTurn", "TurnResumed", "EagerEndOfTurn", "EndOfTurn",
    ]  # fmt: skip
    assert len(requests) == 2, requests
    assert word_accuracy("Book a table for two", requests[0]) >= 0.7, "the eager request had the first half"
    assert word_accuracy(WHOLE, requests[1]) >= 0.7, "the final request has the whole utterance"
    spoken = normalize_words(" ".join(said))
    assert spoken[:3] == normalize_words(EARLY)[:3], "the preemptive reply was generated first"
    assert spoken[-len(normalize_words(FINAL)) :] == normalize_words(FINAL)
    assert min(audio_ns) > end_of_turn_ns, "no reply audio before the end of the turn"
    user_turn, bot_turn = ctx.history()
    assert len(normalize_words(user_turn["content"])) <= len(normalize_words(WHOLE)), "no word twice"
    assert word_accuracy(WHOLE, user_turn["content"]) >= 0.7, "the turn's words, revised ones as revised"
    assert bot_turn == {"role": "assistant", "content": FINAL}


async def _listen_then_talk_over(
    client: MemoryTransport, pcm: NDArray[np.int16], heard_s: float = 1.0
) -> None:
    """Stay silent until the bot's reply plays (however long the engines take on this
    machine), listen `heard_s`, then say `pcm` over it, as a caller does."""
    silence = np.zeros(320, np.int16)
    async with asyncio.timeout(30):
        while not any(isinstance(f, OutputAudioFrame) for f in client.outputs_nowait()):
            await _speak(client, silence, pace_s=0.02)
    await _speak(client, np.zeros(round(heard_s * 16000), np.int16), pace_s=0.02)
    await _speak(client, pcm, pace_s=0.02)


def _request(frame: Frame, into: list[str]) -> None:
    if isinstance(frame, LLMMessagesFrame):
        into.append(str(frame.messages[-1]["content"]))


def _text(frame: Frame, into: list[str]) -> None:
    if isinstance(frame, LLMTextFrame):
        into.append(frame.text)


def _audio(frame: Frame, into: list[int]) -> None:
    if isinstance(frame, OutputAudioFrame):
        into.append(time.perf_counter_ns())


COUNT = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen."


async def test_flux_start_of_turn_cuts_the_bot_and_the_context_keeps_what_was_heard() -> None:
    question, _ = with_pauses([0.4, "Count to fifteen for me", 0.4], engine="piper")
    stop, _ = with_pauses(["Stop please.", 1.6], engine="piper")
    client, ctx = MemoryTransport(), ConversationContext()
    reports: list[ReplyPlayedFrame] = []
    async with FakeDeepgramServer(api_key=KEY) as server:
        stt = DeepgramFluxSTT(api_key=KEY, base_url=server.ws_base, eot_threshold=0.7)
        graph = Graph.chain(
            client.input(), stt, UserAggregator(context=ctx),
            ScriptedAgent(rules=[("count", COUNT), ("stop", "Okay.")], default="Hm."),
            SentenceAggregator(), EspeakTTS(), AssistantAggregator(context=ctx), client.output(),
        )  # fmt: skip
        async with Runtime(graph) as rt:
            rt.on_upstream(lambda f, _: reports.append(f) if isinstance(f, ReplyPlayedFrame) else None)
            await _speak(client, question, pace_s=0.02)
            await _listen_then_talk_over(client, stop)
            await server.wait_for(lambda: len(reports) >= 2, timeout=15)
    assert [e for e in stt.events if e != "Update"] == ["StartOfTurn", "EndOfTurn"] * 2
    assert reports[0].interrupted and not reports[1].interrupted
    history = ctx.history()
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    heard = normalize_words(str(history[1]["content"]))
    assert 0 < len(heard) < len(normalize_words(COUNT)) and heard == normalize_words(COUNT)[: len(heard)]
    assert history[3]["content"] == "Okay."
