"""How a swap caller speaks and listens: the question in real time, then a live line of
silence until the bot's reply is over (loud audio came, then 1.5 s without any)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import numpy as np
from numpy.typing import NDArray

from tests.serving.question import question, silence

REPLY_BOUND_S = 25.0
"""How long after the question a caller waits for the reply to be over."""
QUIET_S = 1.5


class Listener:
    """Times of loud bot audio; `over()` once the reply came and went quiet."""

    def __init__(self) -> None:
        self.loud_at: list[float] = []

    def heard(self, is_loud: bool) -> None:
        if is_loud:
            self.loud_at.append(time.monotonic())

    def over(self) -> bool:
        return bool(self.loud_at) and self.loud_at[-1] < time.monotonic() - QUIET_S


def spoken_question(rate: int, lead_s: float = 0.3) -> NDArray[np.int16]:
    """The question (Piper) after `lead_s` of silence, at `rate` Hz."""
    return np.concatenate([silence(lead_s, rate), question(rate)]).astype(np.int16)


async def speak_then_listen(
    send: Callable[[bytes], Awaitable[None]], listener: Listener, rate: int, chunk_ms: int = 20
) -> None:
    """Send the question in real-time `chunk_ms` chunks, then silence until the reply is over
    (or `REPLY_BOUND_S`)."""
    step = rate * chunk_ms // 1000
    pcm = spoken_question(rate)
    start = time.monotonic()
    k = 0
    for k, i in enumerate(range(0, len(pcm), step)):
        await asyncio.sleep(max(0.0, start + k * chunk_ms / 1000 - time.monotonic()))
        chunk = pcm[i : i + step]
        await send(np.pad(chunk, (0, step - len(chunk))).astype("<i2").tobytes())
    quiet = bytes(2 * step)
    deadline = time.monotonic() + REPLY_BOUND_S
    while time.monotonic() < deadline and not listener.over():
        k += 1
        await asyncio.sleep(max(0.0, start + k * chunk_ms / 1000 - time.monotonic()))
        await send(quiet)
