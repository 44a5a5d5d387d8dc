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


LONG_REPLY = "This is the start of a rather long answer that goes on and on for a while."


async def barge_in_mid_reply(rt: Runtime, *, after_s: float = 0.0) -> None:
    """Say `LONG_REPLY`; once its first audio leaves the graph (and `after_s` more), interrupt
    ("barge-in"). Call once per runtime: it adds an output callback."""
    started = asyncio.Event()
    rt.on_output(lambda f, _: started.set() if isinstance(f, TTSAudioFrame) else None)
    await reply(rt, LONG_REPLY)
    await asyncio.wait_for(started.wait(), 20)
    await asyncio.sleep(after_s)
    await rt.interrupt("barge-in")


def audio(frames: list[Frame]) -> list[TTSAudioFrame]:
    return [f for f in frames if isinstance(f, TTSAudioFrame)]


def pcm_of(frames: list[Frame]) -> NDArray[np.int16]:
    chunks = [np.frombuffer(f.data, np.int16) for f in audio(frames)]
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


def seconds(frames: list[Frame]) -> float:
    return sum(f.duration_ns for f in audio(frames)) / 1e9
