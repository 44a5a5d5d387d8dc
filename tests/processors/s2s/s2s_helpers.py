"""Shared bits of the S2S tests: speech to push, frame filters, a bus error log."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import numpy as np

from tests.speech import synthesize
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.formats import PCM24K
from voicegraph.framework.frames import Frame, InputAudioFrame, OutputAudioFrame

if TYPE_CHECKING:
    from voicegraph.framework import ErrorCode, Runtime

T = TypeVar("T")

CHUNK = PCM24K.bytes_for(20_000_000)
"""20 ms of 24 kHz s16 mono."""


def utterance(text: str, *, silence_s: float = 0.7, lead_s: float = 0.1) -> bytes:
    """Speech (eSpeak, 24 kHz s16) between short silences: one user turn."""
    speech = synthesize(text, rate=24000)
    lead = np.zeros(int(lead_s * 24000), np.int16)
    tail = np.zeros(int(silence_s * 24000), np.int16)
    return np.concatenate([lead, speech, tail]).astype("<i2").tobytes()


def chunks(pcm: bytes, size: int = CHUNK) -> list[bytes]:
    """`pcm` cut into 20 ms pieces."""
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


async def push_utterance(rt: Runtime, text: str, *, silence_s: float = 0.7) -> None:
    """Push one spoken turn into the graph's head, as 20 ms input frames."""
    for piece in chunks(utterance(text, silence_s=silence_s)):
        await rt.push(InputAudioFrame(data=piece, format=PCM24K))


def audio_out(frames: list[Frame]) -> bytes:
    """The output audio among `frames`, joined."""
    return b"".join(f.data for f in frames if isinstance(f, OutputAudioFrame))


def of_type(frames: list[Frame], kind: type[T]) -> list[T]:
    """The frames of one type (subclasses included)."""
    return [f for f in frames if isinstance(f, kind)]


class ErrorLog:
    """Collects coded errors published on a runtime's bus."""

    def __init__(self, rt: Runtime) -> None:
        self.events: list[ErrorEvent] = []
        rt.bus.subscribe(self.events.append, ErrorEvent)

    @property
    def codes(self) -> list[ErrorCode]:
        """Error codes in order."""
        return [e.error.code for e in self.events]
