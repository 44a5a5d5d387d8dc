"""FallbackSTT: Deepgram Nova (the fake, with faults) first, Whisper (local) second."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.fakes.deepgram_server import DeepgramFaults, FakeDeepgramServer
from tests.processors.fallback.waiting import until
from tests.processors.stt.stt_harness import STEP, finals, push_speech
from tests.speech import normalize_words, with_pauses, word_accuracy
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import Frame, InputAudioFrame
from voicegraph.processors.fallback import FallbackSTT
from voicegraph.processors.stt.deepgram_stt import DeepgramSTT
from voicegraph.processors.stt.whisper_stt import WhisperSTT

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]
KEY = "dg-key"
FIRST = "Please book a table for four people at seven tonight."
SECOND = "Can you also order a taxi for me?"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def first() -> tuple[NDArray[np.int16], list[tuple[float, float]]]:
    return with_pauses([0.6, FIRST, 1.0], engine="piper")


@pytest.fixture(scope="module")
def second() -> tuple[NDArray[np.int16], list[tuple[float, float]]]:
    return with_pauses([0.6, SECOND, 1.0], engine="piper")


def chain(server: FakeDeepgramServer, **options: Any) -> FallbackSTT:
    primary = DeepgramSTT(api_key=KEY, base_url=server.ws_base, finalize_wait_s=3.0)
    options.setdefault("attempt_timeout_s", 45.0)  # the fake transcribes with Whisper on shared, busy cores
    return FallbackSTT(engines=[primary, WhisperSTT()], name="stt", **options)


async def say(
    rt: Runtime, out: list[Frame], speech: tuple[NDArray[np.int16], list[tuple[float, float]]]
) -> str:
    """One user turn, then silence (20 ms frames, paced) until its final transcript."""
    before = len(finals(out))
    await push_speech(rt, *speech)
    silence = np.zeros(STEP, np.int16).tobytes()
    for _ in range(1500):  # a live transport keeps sending audio: at most 30 s of it
        if len(finals(out)) > before:
            break
        await rt.push(InputAudioFrame(data=silence, format=PCM16K))
        await asyncio.sleep(0.02)
    return " ".join(f.text for f in finals(out)[before:])


async def test_a_refused_engine_leaves_every_turn_to_the_local_one(first: Any, second: Any) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=DeepgramFaults(refuse=-1)) as server:
        stt = chain(server, probe_interval_s=30.0, max_probe_interval_s=30.0)
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            one = await say(rt, out, first)
            two = await say(rt, out, second)
    assert word_accuracy(FIRST, one) >= 0.7 and word_accuracy(SECOND, two) >= 0.7
    assert not server.sessions and stt.chain.health[0].last_error == "connection_failed"


async def test_a_stalled_engine_is_replaced_within_the_turn_by_one_that_hears_all_of_it(first: Any) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=DeepgramFaults(stall=True)) as server:
        stt = chain(server, attempt_timeout_s=1.5, probe_interval_s=30.0, max_probe_interval_s=30.0)
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            one = await say(rt, out, first)
    assert word_accuracy(FIRST, one) >= 0.7  # the replayed turn: the whole utterance
    assert len(finals(out)) == 1
    assert stt.chain.health[0].last_error == "timeout" and stt.snapshot()["active"] == "stt.1:WhisperSTT"


async def test_a_socket_lost_mid_utterance_without_reconnect_replays_the_turn(first: Any) -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        stt = chain(server, probe_interval_s=30.0, max_probe_interval_s=30.0)
        async with Runtime(Graph.chain(stt)) as rt:
            server.faults.drop_after_s = 1.2  # connected; the reconnect after the drop gets HTTP 500
            server.faults.status_500 = -1
            out = rt.collect()
            one = await say(rt, out, first)
    assert word_accuracy(FIRST, one) >= 0.7
    assert stt.chain.health[0].last_error == "connection_failed"


async def test_the_recovered_engine_takes_the_next_turn(first: Any, second: Any) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=DeepgramFaults(refuse=-1)) as server:
        stt = chain(server, probe_interval_s=0.2, max_probe_interval_s=0.4)
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            one = await say(rt, out, first)
            server.faults.refuse = 0
            await until(lambda: stt.chain.health[0].state == "healthy", what="recovery")
            two = await say(rt, out, second)
    assert word_accuracy(FIRST, one) >= 0.7 and word_accuracy(SECOND, two) >= 0.7
    assert stt.snapshot()["active"] == "stt.0:DeepgramSTT" and stt.chain.health[0].recoveries == 1
    assert server.sessions and server.sessions[-1].audio_bytes > 32000  # Deepgram heard the second turn


async def test_an_engine_back_at_a_turn_start_hears_the_speech_before_the_vad_fired(first: Any) -> None:
    pcm, segments = first
    late_vad = [(start + 0.3, end) for start, end in segments]  # a VAD fires ~0.3 s into speech
    async with FakeDeepgramServer(api_key=KEY, faults=DeepgramFaults(refuse=1)) as server:
        stt = chain(server, probe_interval_s=0.2, max_probe_interval_s=0.4)  # refused at start only
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            await until(lambda: stt.chain.health[0].state == "healthy", what="recovery")
            heard = await say(rt, out, (pcm, late_vad))
    assert stt.snapshot()["active"] == "stt.0:DeepgramSTT", heard
    assert normalize_words(heard)[:2] == ["please", "book"], heard  # the onset was heard too
