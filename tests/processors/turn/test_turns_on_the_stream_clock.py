"""Turn decisions on the input stream's clock: delivery (bursts, gaps, stalls) does not change turns.

The energy VAD and the silence turn detector run in a graph on a virtual clock; the same
speech is delivered paced (20 ms a chunk, as a microphone), or in random clumps with
random gaps. Turns are compared by their stream-clock stamps.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from tests.speech import with_pauses
from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    StreamTimeFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VADParams, VoiceActivityDetector

PCM16 = AudioFormat(16000, 1, SampleFormat.S16)
STEP = 320  # 20 ms
Turns = tuple[tuple[tuple[int, int], ...], tuple[int, ...]]
"""((speech end, decision) per turn end, speech start per start), all in stream time."""

_speech: NDArray[np.int16] | None = None


def speech() -> NDArray[np.int16]:
    global _speech  # synthesized once per process, shared by every example
    if _speech is None:
        parts: list[str | float] = [0.3, "Please call me back", 0.15, "tomorrow morning", 0.9, "Goodbye", 0.8]
        _speech, _ = with_pauses(parts, noise_rms=20.0)
    return _speech


def chunk_frames(pcm: NDArray[np.int16]) -> list[InputAudioFrame]:
    return [
        InputAudioFrame(data=pcm[i : i + STEP].tobytes(), format=PCM16)
        for i in range(0, len(pcm) - STEP + 1, STEP)
    ]


async def turns(clumps: list[tuple[int, float]], *, stall_close_s: float = 2.0) -> Turns:
    """Deliver the speech in (chunks, gap seconds) clumps, cycling; returns the turns."""
    clock = VirtualClock()
    vad = VoiceActivityDetector(engine="energy", params=VADParams(start_secs=0.1, stop_secs=0.1))
    graph = Graph.chain(
        vad, SilenceTurnDetector(min_delay=0.3, stall_close_s=stall_close_s), input_format=PCM16
    )
    frames = chunk_frames(speech())
    async with clock.autojump(), Runtime(graph, clock=clock) as rt:
        out = rt.collect()
        i = k = 0
        while i < len(frames):
            n, gap = clumps[k % len(clumps)]
            for frame in frames[i : i + n]:
                await rt.push(frame)
            i, k = i + n, k + 1
            await clock.sleep(gap)
    return stream_turns(out)


def stream_turns(out: list[Frame]) -> Turns:
    stamps = {f.marks: f for f in out if isinstance(f, StreamTimeFrame) and not f.tick}
    ends = tuple((stamps[f.id].speech_ns, stamps[f.id].stream_ns) for f in out if isinstance(f, TurnEndFrame))
    starts = tuple(stamps[f.id].speech_ns for f in out if isinstance(f, UserStartedSpeakingFrame))
    return ends, starts


PACED = [(1, 0.02)]


@pytest.mark.anyio
async def test_paced_speech_gives_two_turns_and_three_starts() -> None:
    ends, starts = await turns(PACED)
    assert len(ends) == 2 and len(starts) == 3  # the 0.15 s pause stays inside the first turn


@pytest.mark.anyio
async def test_one_burst_gives_the_turns_of_paced_delivery() -> None:
    assert await turns([(10_000, 0.0)]) == await turns(PACED)


@pytest.mark.anyio
async def test_a_long_stall_while_a_turn_end_is_pending_closes_the_turn() -> None:
    # Deliver up to 0.12 s after the first phrase (the VAD has stopped), then stall 3 s.
    paced = await turns(PACED)
    first_stop = paced[0][0][0]
    upto = (first_stop + 150_000_000) * 16 // 1_000_000 // STEP
    ends, _ = await turns([(upto, 3.0), (10_000, 0.0)], stall_close_s=1.0)
    assert ends[0][0] == first_stop and ends[0][1] < first_stop + 300_000_000  # closed before its delay


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    clumps=st.lists(
        st.tuples(st.integers(min_value=1, max_value=80), st.floats(min_value=0.0, max_value=1.5)),
        min_size=1,
        max_size=12,
    )
)
def test_random_bursts_and_gaps_give_the_same_turns(clumps: list[tuple[int, float]]) -> None:
    import anyio

    reference = anyio.run(turns, PACED)
    assert anyio.run(turns, clumps) == reference
