"""Barge-in onset in the stock voice agent on real engines (issue 12, cause 5).

The caller asks a question; while the bot's reply plays, the caller says a short "Hey",
then "stop" 0.3 s later. The output's BotStartedSpeakingFrame travels upstream through
the whole graph to the VAD, which then cuts on "Hey" (not on "stop") wherever "Hey"
falls against its 32 ms windows. Times are read on the stream clock (the VAD's stamps),
so the result does not depend on how fast this machine delivers or analyzes the audio.
Whisper, Silero and Piper are real; the agent is scripted.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.processors.vad.barge_in_set import LEAD_S, RATE, barge_words, followed_by
from tests.speech import with_pauses
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    Frame,
    StreamTimeFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.framework.runtime import Runtime
from voicegraph.graphs.voice_agent import (
    VoiceAgentOptions,
    build_voice_agent,
    spoken_format,
    voice_agent_spec,
)
from voicegraph.processors.vad import BargeInRule
from voicegraph.transports.memory_transport import MemoryTransport

REPLY = (
    "Paris is the capital of France. It lies on the river Seine, in the north of the "
    "country, and about two million people live there."
)
CHUNK = 320  # 20 ms
WINDOW = 512  # Silero's window at 16 kHz


class Starts:
    """The stream times (s) at which the VAD decided user starts, from its stamps."""

    def __init__(self) -> None:
        self.decided: list[float] = []
        self._stamps: dict[int, int] = {}

    def probe(self, frame: Frame, _: object) -> None:
        if isinstance(frame, StreamTimeFrame) and not frame.tick:
            self._stamps[frame.marks] = frame.stream_ns
        elif isinstance(frame, UserStartedSpeakingFrame) and frame.id in self._stamps:
            self.decided.append(self._stamps[frame.id] / 1e9)


async def paced(conn: MemoryTransport, pcm: NDArray[np.int16]) -> None:
    for i in range(0, pcm.size, CHUNK):
        await conn.send_audio(pcm[i : i + CHUNK].tobytes())
        await asyncio.sleep(0.02)


async def barge_in(offset_ms: int, rule: BargeInRule = "fast") -> tuple[list[float], float, float]:
    """Returns (start decisions s, "Hey" onset s, "stop" onset s), all in stream time.

    "Hey" starts `offset_ms` after the start of a VAD window.
    """
    options = VoiceAgentOptions(agent="scripted", agent_params={"default": REPLY}, barge_in_rule=rule)
    spec = voice_agent_spec(options)
    conn = MemoryTransport(output_format=spoken_format(spec) or PCM16K)
    graph = build_voice_agent(conn, spec=spec)
    starts, bot = Starts(), asyncio.Event()
    question, _ = with_pauses([0.3, "What is the capital of France?", 0.5], engine="piper")
    words = {w.label: w for w in barge_words()}
    async with Runtime(graph, start_timeout=180.0) as rt:
        rt.observe("vad", "turn", starts.probe)
        rt.on_upstream(lambda f, _: bot.set() if isinstance(f, BotStartedSpeakingFrame) else None)
        await paced(conn, question)
        sent = question.size
        silence = np.zeros(CHUNK, np.int16)
        async with asyncio.timeout(30.0):
            while not bot.is_set():
                await paced(conn, silence)
                sent += CHUNK
        lead = round(LEAD_S * RATE)  # `followed_by` puts this much silence before "Hey"
        pad = (-(sent + lead)) % WINDOW + WINDOW * 8  # "Hey" ~0.8 s into the reply
        await paced(conn, np.zeros(pad, np.int16))
        sent += pad
        clip, hey, stop = followed_by(
            words["piper/1.0/Hey"], words["piper/1.0/Stop"], offset_ms=offset_ms, gap_s=0.3
        )
        await paced(conn, clip)
        await rt.cancel()
    return starts.decided, sent / RATE + hey, sent / RATE + stop


@pytest.mark.timeout(240)
@pytest.mark.parametrize("offset_ms", [0, 8, 16, 24])
def test_a_short_hey_cuts_the_stock_agents_reply_before_the_next_word(offset_ms: int) -> None:
    decided, hey, stop = asyncio.run(barge_in(offset_ms))
    during = [t for t in decided if t > hey]
    print(f"offset {offset_ms} ms: starts at {decided}, Hey at {hey:.3f} s, stop at {stop:.3f} s")
    assert during and during[0] < stop
