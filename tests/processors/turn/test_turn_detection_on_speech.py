"""VAD plus turn detection on real speech, paced on a virtual clock: where turns end."""

from __future__ import annotations

import numpy as np
import pytest

from tests.speech import with_pauses
from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import Frame, InputAudioFrame, TurnEndFrame
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector

PCM16 = AudioFormat(16000, 1, SampleFormat.S16)
PARTS: list[str | float] = [0.4, "Hello there", 0.5, "I need a table for two", 2.0, "Thanks a lot", 1.5]


@pytest.mark.anyio
@pytest.mark.parametrize("engine", ["silero", "webrtc", "energy"])
async def test_turns_end_after_the_long_pause_and_not_the_short_one(engine: str) -> None:
    pcm, truth = with_pauses(PARTS, noise_rms=30.0)
    clock = VirtualClock()
    seen: list[tuple[int, Frame]] = []
    graph = Graph.chain(
        VoiceActivityDetector(engine=engine), SilenceTurnDetector(min_delay=0.8), input_format=PCM16
    )
    async with clock.autojump(), Runtime(graph, clock=clock) as rt:
        rt.on_output(lambda f, _: seen.append((clock.now_ns(), f)))
        for i in range(0, len(pcm) - 319, 320):
            await clock.sleep(0.02)
            await rt.push(InputAudioFrame(data=pcm[i : i + 320].tobytes(), format=PCM16))
    ends = [t / 1e9 for t, f in seen if isinstance(f, TurnEndFrame)]
    expected = [truth[1][1] + 0.8, truth[2][1] + 0.8]
    assert np.allclose(ends, expected, atol=0.1), (ends, expected)
