"""A whole call with all three slots on fallback chains: Deepgram, the OpenAI-compatible
LLM and Cartesia (all fakes) break, local engines (Whisper, a scripted agent, eSpeak) keep
every turn, and the cloud engines serve again once the fakes heal."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tests.fakes.cartesia_server import FakeCartesia
from tests.fakes.deepgram_server import DeepgramFaults, FakeDeepgramServer
from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from tests.processors.fallback.waiting import until
from tests.speech import with_pauses, word_accuracy
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import Frame, OutputAudioFrame
from voicegraph.processors.agent import LLMNode, ScriptedAgent
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator
from voicegraph.processors.fallback import FallbackLLM, FallbackNode, FallbackSTT, FallbackTTS
from voicegraph.processors.stt.deepgram_stt import DeepgramSTT
from voicegraph.processors.stt.whisper_stt import WhisperSTT
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS
from voicegraph.processors.tts.espeak_tts import EspeakTTS
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.transports.memory_transport import MemoryTransport

if TYPE_CHECKING:
    from numpy.typing import NDArray

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.usefixtures("cartesia_key"),
]
TURNS = [
    ("Please book a table for four people tonight.", "Your table is booked."),
    ("Can you also order a taxi for me?", "A taxi is on its way."),
    ("What is the weather like tomorrow?", "Tomorrow will be sunny."),
]
RULES = [("table", TURNS[0][1]), ("taxi", TURNS[1][1]), ("weather", TURNS[2][1])]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def speak(client: MemoryTransport, pcm: NDArray[np.int16]) -> None:
    for i in range(0, len(pcm), 320):  # 20 ms chunks, twice real time
        await client.send_audio(pcm[i : i + 320].tobytes())
        await asyncio.sleep(0.01)


async def keep_listening(client: MemoryTransport, heard: list[Frame]) -> None:
    """The caller's side: silence in (a live line never stops), bot audio out."""
    silence = np.zeros(320, np.int16).tobytes()
    while True:
        await client.send_audio(silence)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.02):
                heard.append(await client.next_output())


async def turn(client: MemoryTransport, ctx: ConversationContext, k: int, heard: list[Frame]) -> None:
    pcm, _ = with_pauses([0.5, TURNS[k][0], 1.2], engine="piper")
    await speak(client, pcm)
    listener = asyncio.create_task(keep_listening(client, heard))
    try:
        await until(
            lambda: len(ctx.history()) >= 2 * (k + 1) and _played(heard), timeout_s=40, what=f"turn {k}"
        )
        await asyncio.sleep(0.3)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


def _played(heard: list[Frame]) -> bool:
    return any(isinstance(f, OutputAudioFrame) for f in heard)


async def test_every_turn_is_answered_while_the_cloud_engines_fail_and_they_serve_again_once_healed() -> None:
    async with (
        FakeDeepgramServer(api_key="dg", faults=DeepgramFaults(refuse=-1)) as deepgram,
        FakeOpenAIChatServer(api_key="sk") as openai,
        FakeCartesia() as cartesia,
    ):
        openai.default = FakeReply(status=500)  # every request, probes included
        cartesia.faults.refuse_status = 503
        probes = {"probe_interval_s": 0.3, "max_probe_interval_s": 0.6}
        deepgram_stt = DeepgramSTT(api_key="dg", base_url=deepgram.ws_base, finalize_wait_s=5.0)
        stt = FallbackSTT(engines=[deepgram_stt, WhisperSTT()], name="stt", attempt_timeout_s=45.0, **probes)
        remote = LLMNode(base_url=openai.base_url, model="m", api_key="sk", retry={"max_attempts": 1})
        llm = FallbackLLM(
            engines=[remote, ScriptedAgent(rules=RULES, default="Sorry?")], name="llm", **probes
        )
        cartesia_tts = CartesiaTTS(base_url=cartesia.ws_url, sample_rate=22050)
        tts = FallbackTTS(engines=[cartesia_tts, EspeakTTS()], name="tts", **probes)
        client, ctx = MemoryTransport(), ConversationContext()
        graph = Graph.chain(
            client.input(),
            VoiceActivityDetector(engine="silero", interrupt_on_speech=True, params=VADParams(stop_secs=0.2)),
            SilenceTurnDetector(min_delay=0.3),
            stt, UserAggregator(context=ctx), llm, SentenceAggregator(), tts,
            AssistantAggregator(context=ctx), client.output(),
        )  # fmt: skip
        heard: list[list[Frame]] = [[], [], []]
        async with Runtime(graph):
            await turn(client, ctx, 0, heard[0])  # every cloud engine down
            await turn(client, ctx, 1, heard[1])
            deepgram.faults.refuse = 0
            cartesia.faults.refuse_status = None
            openai.default = FakeReply(texts=(TURNS[2][1],))
            slots: tuple[FallbackNode, ...] = (stt, llm, tts)
            await until(lambda: all(c.chain.health[0].state == "healthy" for c in slots), what="recovery")
            dg_sessions, cartesia_chunks = len(deepgram.sessions), len(cartesia.sent_events("chunk"))
            await turn(client, ctx, 2, heard[2])
    history = ctx.history()
    for k, (asked, answer) in enumerate(TURNS):
        assert word_accuracy(asked, str(history[2 * k]["content"])) >= 0.7, history[2 * k]
        assert history[2 * k + 1] == {"role": "assistant", "content": answer}
    assert all(_played(h) for h in heard)
    assert len(history) == 6  # no turn twice
    for chain in (stt, llm, tts):
        assert chain.chain.health[0].failures >= 1 and chain.chain.health[0].recoveries >= 1
        assert chain.snapshot()["active"] == chain.engines[0].name  # the cloud engine took turn 3 again
    assert len(deepgram.sessions) >= dg_sessions and deepgram.sessions[-1].audio_bytes > 32000
    assert len(cartesia.sent_events("chunk")) > cartesia_chunks
    assert openai.requests[-1].body["messages"][-1]["content"]  # the LLM fake answered turn 3
