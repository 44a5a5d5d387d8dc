"""False interruptions on real engines: Silero hears it, Whisper names it (issue 19).

A graph of the page's barge-in front end minus the echo canceller (docs/barge_in.md):
input -> Silero VAD (no interrupt_on_speech) -> Whisper -> FalseInterruptionFilter ->
output. The bot's 4 s reply (a tone) plays; 0.8 s in, the caller says "Okay" (a
backchannel: the bot pauses and resumes, nothing is cut) or "Hold on, I have a
question" (the bot is cut). The caller's audio is paced in real time (20 ms frames).
"""

from __future__ import annotations

import asyncio

import anyio
import numpy as np
import pytest

from tests.speech import with_pauses
from tests.transports.nodes import tone
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import InterruptFrame, OutputAudioFrame, TTSAudioFrame
from voicegraph.framework.graph import Graph
from voicegraph.framework.runtime import Runtime
from voicegraph.processors.stt.whisper_stt import WhisperSTT
from voicegraph.processors.vad.false_interruption_filter import FalseInterruptionFilter
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.processors.vad.voice_activity_detector import VoiceActivityDetector
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = pytest.mark.anyio
CHUNK = 320


async def caller_over_bot(words: str) -> tuple[FalseInterruptionFilter, int, bool]:
    """(the filter, bot audio played in ms, whether the bot was cut)."""
    conn = MemoryTransport(input_format=PCM16K, output_format=PCM16K)
    judge = FalseInterruptionFilter()
    vad = VoiceActivityDetector(engine="silero", params=VADParams(start_secs=0.2, stop_secs=0.1))
    graph = Graph.chain(conn.input(), vad, WhisperSTT(catch_up_ms=0.0), judge, conn.output())
    pcm, _ = with_pauses([0.8, words, 2.2], engine="piper")
    outs = []
    async with Runtime(graph, start_timeout=120.0) as rt:
        async with anyio.create_task_group() as tg:
            tg.start_soon(rt.push, TTSAudioFrame(data=tone(4000), format=PCM16K))  # the bot speaks
            for i in range(0, pcm.size - CHUNK + 1, CHUNK):
                await conn.send_audio(pcm[i : i + CHUNK].astype(np.int16).tobytes())
                await asyncio.sleep(0.02)
        await asyncio.sleep(1.5)
        outs = conn.outputs_nowait()
    played = sum(len(f.data) for f in outs if isinstance(f, OutputAudioFrame)) // 32
    return judge, played, any(isinstance(f, InterruptFrame) for f in outs)


@pytest.mark.timeout(60)
async def test_a_spoken_okay_pauses_the_bot_which_then_plays_its_whole_reply() -> None:
    judge, played, cut = await caller_over_bot("Okay.")
    assert (judge.resumed, judge.interrupted, cut) == (1, 0, False)
    assert played == 4000


@pytest.mark.timeout(60)
async def test_a_spoken_question_cuts_the_bot() -> None:
    judge, played, cut = await caller_over_bot("Hold on, I have a question.")
    assert judge.interrupted == 1 and cut
    assert played < 3000
