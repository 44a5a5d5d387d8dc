"""Feeding speech with its VAD events into STT nodes in a real graph."""

from __future__ import annotations

import asyncio

import numpy as np
from numpy.typing import NDArray

from voicegraph.framework import Graph, Processor, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)

STEP = 320  # 20 ms at 16 kHz


async def push_speech(
    rt: Runtime,
    pcm: NDArray[np.int16],
    segments: list[tuple[float, float]],
    *,
    pace: float = 0.0,
    hangover_s: float = 0.3,
    turn_end: bool = False,
) -> None:
    """Push `pcm` in 20 ms frames with a start event at each segment's start and a stop
    event (`speech_end_ns` = 1000 + segment index) `hangover_s` after its end, as a VAD
    would; `pace` seconds of sleep between frames (0: as fast as the graph takes them)."""
    starts = {round(s * 16000) // STEP: i for i, (s, _) in enumerate(segments)}
    stops = {round((e + hangover_s) * 16000) // STEP: i for i, (_, e) in enumerate(segments)}
    for k, i in enumerate(range(0, len(pcm), STEP)):
        if k in starts:
            await rt.push(UserStartedSpeakingFrame())
        await rt.push(InputAudioFrame(data=pcm[i : i + STEP].tobytes(), format=PCM16K))
        if k in stops:
            await rt.push(UserStoppedSpeakingFrame(speech_end_ns=1000 + stops[k]))
            if turn_end:
                await rt.push(TurnEndFrame(speech_end_ns=1000 + stops[k]))
        if pace:
            await asyncio.sleep(pace)


async def run_speech(
    stt: Processor, pcm: NDArray[np.int16], segments: list[tuple[float, float]], **kwargs: float | bool
) -> list[Frame]:
    """`push_speech` into a graph of `stt` alone; returns every frame that left it."""
    async with Runtime(Graph.chain(stt)) as rt:
        out = rt.collect()
        await push_speech(rt, pcm, segments, **kwargs)  # type: ignore[arg-type]
        await rt.end()
    return out


def finals(out: list[Frame]) -> list[TranscriptFrame]:
    return [f for f in out if isinstance(f, TranscriptFrame) and f.final]
