"""Running TTS nodes in a real graph, plus a playout-paced sink for interruption tests."""

from __future__ import annotations

import asyncio

import numpy as np
from numpy.typing import NDArray

from voicegraph.framework import Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.frames import (
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    SentenceFrame,
    TTSAudioFrame,
)


class Playout(Processor):
    """Handles TTSAudioFrame like a real-time output: sleeps `speed` x each chunk's duration."""

    concurrent = True

    def __init__(self, *, speed: float = 1.0) -> None:
        super().__init__()
        self._speed = speed

    @handles
    async def on_audio(self, frame: TTSAudioFrame, out: Outbox) -> None:
        await asyncio.sleep(frame.duration_ns / 1e9 * self._speed)
        await out.send(frame)


async def speak(tts: Processor, *texts: str) -> list[Frame]:
    """Push each text as a SentenceFrame through `tts`, end the stream, return the output."""
    async with Runtime(Graph.chain(tts)) as rt:
        out = rt.collect()
        for text in texts:
            await rt.push(SentenceFrame(text=text))
        await rt.end()
    return out


async def reply(rt: Runtime, *sentences: str) -> None:
    """Push one reply: `LLMResponseStartFrame`, a SentenceFrame per sentence, `LLMResponseEndFrame`."""
    await rt.push(LLMResponseStartFrame())
    for s in sentences:
        await rt.push(SentenceFrame(text=s))
    await rt.push(LLMResponseEndFrame())


def audio(frames: list[Frame]) -> list[TTSAudioFrame]:
    return [f for f in frames if isinstance(f, TTSAudioFrame)]


def pcm_of(frames: list[Frame]) -> NDArray[np.int16]:
    chunks = [np.frombuffer(f.data, np.int16) for f in audio(frames)]
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


def seconds(frames: list[Frame]) -> float:
    return sum(f.duration_ns for f in audio(frames)) / 1e9
