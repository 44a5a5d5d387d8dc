"""A raw WebSocket caller (`RawPCMSerializer` protocol), as a client program would be.

It sends `start`, then 16 kHz PCM in 20 ms messages following a `Plan` (paced in real
time, in one burst, or with a stall), keeps sending real-time silence afterwards (a
live microphone), and records everything the server sends with its arrival time.

    record = await ws_call(url, Plan.paced(question()), listen_s=20)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .question import RATE, heard_the_question

CHUNK = RATE // 50  # 20 ms
LOUD_RMS = 200.0
"""int16 RMS above which a 20 ms chunk of bot audio counts as speech (not silence)."""


@dataclass(frozen=True)
class Step:
    """Send `pcm` in 20 ms messages, in real time (`paced`) or all at once; then wait `pause_s`."""

    pcm: NDArray[np.int16]
    paced: bool
    pause_s: float = 0.0


@dataclass(frozen=True)
class Plan:
    """How the caller delivers its audio."""

    steps: tuple[Step, ...]

    @classmethod
    def paced(cls, pcm: NDArray[np.int16]) -> Plan:
        return cls((Step(pcm, paced=True),))

    @classmethod
    def burst(cls, pcm: NDArray[np.int16]) -> Plan:
        """The whole utterance at once (audio that queued while the client waited)."""
        return cls((Step(pcm, paced=False),))

    @classmethod
    def stall(cls, pcm: NDArray[np.int16], at_s: float, gap_s: float) -> Plan:
        """A network stall: real time up to `at_s`, then nothing for `gap_s`, then the `gap_s`
        of audio the client buffered meanwhile (the rest, padded with silence) at once."""
        cut = round(at_s * RATE) // CHUNK * CHUNK
        buffered = max(len(pcm) - cut, round(gap_s * RATE))
        rest = np.pad(pcm[cut:], (0, buffered - (len(pcm) - cut)))
        return cls((Step(pcm[:cut], paced=True, pause_s=gap_s), Step(rest, paced=False)))


@dataclass(repr=False)
class CallRecord:
    """What one caller saw, times in seconds since it connected."""

    connect_s: float = 0.0
    """Seconds the connection took to open (from the first attempt)."""
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    audio: list[tuple[float, float]] = field(default_factory=list)
    """(arrival, RMS) of each binary message of bot audio."""
    audio_bytes: int = 0
    speech_sent_s: float | None = None
    """When the last sample of the question was sent."""
    close: tuple[int | None, str] = (None, "")
    error: str = ""

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for _, m in self.messages if m.get("type") == kind]

    @property
    def user_text(self) -> str:
        return " ".join(m["text"] for m in self.of_type("transcript") if m.get("final", True))

    @property
    def bot_text(self) -> str:
        return " ".join(str(m.get("text", "")) for m in self.of_type("bot_text"))

    def first_reply_s(self) -> float | None:
        """Seconds from the question's end to the first loud bot audio (None: no reply)."""
        after = self.speech_sent_s or 0.0
        loud = [t for t, rms in self.audio if rms > LOUD_RMS and t >= after]
        return loud[0] - after if loud else None

    @property
    def answered(self) -> bool:
        return self.first_reply_s() is not None

    @property
    def heard_question(self) -> bool:
        return heard_the_question(self.user_text)

    def __repr__(self) -> str:
        return f"CallRecord({self.summary()})"

    def summary(self) -> str:
        kinds = [m.get("type") for _, m in self.messages]
        return (
            f"connect {self.connect_s:.2f}s, question sent at {self.speech_sent_s}, "
            f"first reply after {self.first_reply_s()}, bot audio {self.audio_bytes / 2 / RATE:.2f}s, "
            f"user said {self.user_text!r}, bot_text {self.bot_text!r}, close {self.close}, "
            f"error {self.error!r}, messages {kinds[:40]}"
        )


async def _open(url: str, record: CallRecord, timeout: float) -> ClientConnection:
    t0 = time.monotonic()
    deadline = t0 + timeout
    while True:
        try:
            ws = await connect(url, max_size=2**20, open_timeout=max(0.1, deadline - time.monotonic()))
        except (OSError, TimeoutError):
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.01)
            continue
        record.connect_s = time.monotonic() - t0
        return ws


async def _receive(ws: ClientConnection, record: CallRecord, t0: float) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for msg in ws:
            now = time.monotonic() - t0
            if isinstance(msg, bytes):
                pcm = np.frombuffer(msg, dtype="<i2").astype(np.float64)
                record.audio.append((now, float(np.sqrt(np.mean(pcm**2))) if len(pcm) else 0.0))
                record.audio_bytes += len(msg)
            else:
                record.messages.append((now, json.loads(msg)))


async def _send(ws: ClientConnection, plan: Plan, record: CallRecord, t0: float, tail_s: float) -> None:
    for step in plan.steps:
        start = time.monotonic()
        for k, i in enumerate(range(0, len(step.pcm), CHUNK)):
            if step.paced:
                await asyncio.sleep(max(0.0, start + k * 0.02 - time.monotonic()))
            chunk = step.pcm[i : i + CHUNK]
            await ws.send(np.pad(chunk, (0, CHUNK - len(chunk))).astype("<i2").tobytes())
        if step.pause_s:
            await asyncio.sleep(step.pause_s)
    record.speech_sent_s = time.monotonic() - t0
    silence = np.zeros(CHUNK, "<i2").tobytes()
    start = time.monotonic()
    for k in range(round(tail_s / 0.02)):  # a live microphone: silence goes on in real time
        await asyncio.sleep(max(0.0, start + k * 0.02 - time.monotonic()))
        await ws.send(silence)


async def ws_call(
    url: str,
    plan: Plan,
    *,
    listen_s: float,
    connect_timeout: float = 30.0,
    record: CallRecord | None = None,
) -> CallRecord:
    """Call the server at `url`: start, send `plan`, then `listen_s` of silence; what came back.

    Ends early once the bot has answered and gone quiet for 1.5 s. Never raises for
    a server-side failure: it is in the record (`close`, `error`). Pass `record` to watch
    the call while it runs (cancelling the call hangs up at once).
    """
    record = CallRecord() if record is None else record
    try:
        ws = await _open(url, record, connect_timeout)
    except (OSError, TimeoutError) as exc:
        record.error = f"cannot connect: {exc!r}"
        return record
    t0 = time.monotonic()
    loop = asyncio.get_running_loop()
    async with ws:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps({"type": "start", "sample_rate": RATE}))
        receiver = loop.create_task(_receive(ws, record, t0))
        sender = loop.create_task(_send(ws, plan, record, t0, listen_s))
        try:
            await _until_answered(record, sender, receiver, t0)
        except ConnectionClosed as exc:
            record.error = f"closed: {exc!r}"
        finally:
            sender.cancel()
            receiver.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)
    record.close = (ws.close_code, ws.close_reason or "")
    return record


async def _until_answered(
    record: CallRecord, sender: asyncio.Task[None], receiver: asyncio.Task[None], t0: float
) -> None:
    """Wait until the sender is done, the server hangs up, or the reply is over (1.5 s quiet)."""
    while not sender.done() and not receiver.done():
        await asyncio.sleep(0.1)
        now = time.monotonic() - t0
        if record.answered and all(t < now - 1.5 for t, rms in record.audio if rms > LOUD_RMS):
            return
    if sender.done() and not sender.cancelled() and sender.exception() is not None:
        record.error = f"sender: {sender.exception()!r}"
