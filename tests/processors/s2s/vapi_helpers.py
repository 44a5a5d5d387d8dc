"""Helpers of the Vapi call tests: real-time speech into a call, reading a call's output."""

from __future__ import annotations

import asyncio

import numpy as np

from tests.speech import synthesize
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import Frame
from voicegraph.processors.s2s.vapi_call_frames import VapiEventFrame
from voicegraph.transports import MemoryTransport

CHUNK = PCM16K.bytes_for(20_000_000)


def utterance(text: str, silence_s: float = 0.8, rate: int = 16000) -> bytes:
    """eSpeak speech between short silences, s16 at `rate`."""
    speech = synthesize(text, rate=rate)
    pad = np.zeros(int(0.1 * rate), np.int16)
    tail = np.zeros(int(silence_s * rate), np.int16)
    return np.concatenate([pad, speech, tail]).astype("<i2").tobytes()


async def speak(client: MemoryTransport, text: str, rate: int = 16000) -> None:
    """Send one utterance in real time (20 ms every 20 ms)."""
    pcm, chunk = utterance(text, rate=rate), rate // 50 * 2
    for i in range(0, len(pcm), chunk):
        await client.send_audio(pcm[i : i + chunk])
        await asyncio.sleep(0.02)


async def until(
    client: MemoryTransport, seen: list[Frame], kind: type[Frame], timeout: float = 20.0
) -> Frame:
    """Read outputs (kept in `seen`) until one of `kind`."""
    async with asyncio.timeout(timeout):
        while True:
            frame = await client.next_output()
            seen.append(frame)
            if isinstance(frame, kind):
                return frame


async def until_event(
    client: MemoryTransport, seen: list[Frame], event: str, **fields: object
) -> VapiEventFrame:
    """Read outputs until Vapi's `event` message (with these fields) came through."""
    while True:
        frame = await until(client, seen, VapiEventFrame)
        assert isinstance(frame, VapiEventFrame)
        if frame.event == event and all(frame.payload.get(k) == v for k, v in fields.items()):
            return frame
