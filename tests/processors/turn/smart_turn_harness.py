"""Real speech through a Silero VAD and a model-based turn detector, on a virtual clock.

The detector is a SmartTurnDetector or a LanguageModelTurnDetector. Audio is pushed
20 ms a chunk, and the virtual clock stops while the model judges a pause (or a
transcript): decisions are as if inference took no time, so they do not depend on how busy
the machine is (the inference time is measured by the benchmark, not here).
"""

from __future__ import annotations

import asyncio

import numpy as np
from numpy.typing import NDArray

from tests.speech import with_pauses
from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import Frame, InputAudioFrame, MetricsFrame, TranscriptFrame, TurnEndFrame
from voicegraph.processors.turn import LanguageModelTurnDetector, SmartTurnDetector
from voicegraph.processors.vad import VADParams, VoiceActivityDetector

PCM16 = AudioFormat(16000, 1, SampleFormat.S16)
STEP = 320  # 20 ms


async def run_turns(
    pcm: NDArray[np.int16],
    detector: SmartTurnDetector | LanguageModelTurnDetector,
    *,
    transcripts: dict[float, str] | None = None,
) -> list[tuple[float, Frame]]:
    """Push `pcm` through VAD -> detector; (virtual seconds, frame) of every output.

    `transcripts` maps a stream time (s) to a final transcript pushed at that time.
    """
    clock = VirtualClock()
    vad = VoiceActivityDetector(engine="silero", params=VADParams(start_secs=0.2, stop_secs=0.1))
    seen: list[tuple[float, Frame]] = []
    pending = sorted((transcripts or {}).items())
    async with Runtime(Graph.chain(vad, detector, input_format=PCM16), clock=clock) as rt:
        rt.on_output(lambda f, _: seen.append((clock.now_ns() / 1e9, f)))
        for i in range(0, len(pcm) - STEP + 1, STEP):
            clock.advance(20_000_000)
            while pending and pending[0][0] <= clock.now_ns() / 1e9:
                await rt.push(TranscriptFrame(text=pending.pop(0)[1]))
            await rt.push(InputAudioFrame(data=pcm[i : i + STEP].tobytes(), format=PCM16))
            await asyncio.sleep(0.001)  # let the graph's tasks run
            for _ in range(2000):  # at most 10 s per verdict
                if not detector.inferring:
                    break
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.001)  # let the verdict re-arm the turn end
    return seen


def turn_ends(seen: list[tuple[float, Frame]]) -> list[float]:
    """Virtual times (s) of the TurnEndFrames."""
    return [t for t, f in seen if isinstance(f, TurnEndFrame)]


def metrics(seen: list[tuple[float, Frame]]) -> list[dict[str, float]]:
    """The detector's MetricsFrame values, in order."""
    return [f.values for _, f in seen if isinstance(f, MetricsFrame)]


def speech(
    parts: list[str | float], engine: str = "piper"
) -> tuple[NDArray[np.int16], list[tuple[float, float]]]:
    """Synthesized speech with pauses and light noise; (pcm, speech segments in s)."""
    return with_pauses(parts, engine=engine, noise_rms=20.0)
