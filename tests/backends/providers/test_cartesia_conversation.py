"""Conversations with the `cartesia` preset against the fake Cartesia, on a memory transport.

Real Silero VAD, turn detector and context; the fake's Whisper hears the caller (Piper
speech) and its eSpeak speaks the scripted replies. The caller talks in real time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.fakes.cartesia_server import FakeCartesia
from tests.speech import synthesize
from voicegraph.backends.providers.cartesia import cartesia_voice_agent_spec, register_cartesia
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import BotTextFrame, Frame, OutputAudioFrame
from voicegraph.framework.runtime import Runtime
from voicegraph.graphs.voice_agent import VoiceAgentOptions, build_voice_agent
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
LONG = (
    "Paris is the capital of France. It lies on the river Seine, in the north of the "
    "country, and about two million people live there. It is known for its museums."
)
CHUNK = 320


class Caller:
    """Talks into a memory transport in real time and keeps what comes back, timed."""

    def __init__(self, conn: MemoryTransport) -> None:
        self.conn = conn
        self.heard: list[tuple[float, Frame]] = []

    async def listen(self) -> None:
        while True:
            self.heard.append((time.perf_counter(), await self.conn.next_output()))

    async def say(self, pcm: NDArray[np.int16]) -> None:
        for i in range(0, pcm.size, CHUNK):
            await self.conn.send_audio(pcm[i : i + CHUNK].tobytes())
            await asyncio.sleep(0.02)

    async def silence_until(self, done: Any, limit_s: float) -> None:
        quiet = np.zeros(CHUNK, np.int16)
        t0 = time.perf_counter()
        while not done() and time.perf_counter() - t0 < limit_s:
            await self.say(quiet)

    def audio_s(self, after: float = 0.0) -> float:
        return (
            sum(f.duration_ns for t, f in self.heard if t > after and isinstance(f, OutputAudioFrame)) / 1e9
        )

    def audio_count(self) -> int:
        return sum(isinstance(f, OutputAudioFrame) for _, f in self.heard)


def preset(fake: FakeCartesia, monkeypatch: pytest.MonkeyPatch) -> tuple[MemoryTransport, Runtime]:
    monkeypatch.setenv("CARTESIA_API_KEY", fake.api_key)
    register_cartesia()
    options = VoiceAgentOptions(
        agent="scripted", agent_params={"rules": {"capital": LONG}, "default": "Okay."}
    )
    spec = cartesia_voice_agent_spec(
        options,
        stt_params={"base_url": fake.ws_url},
        tts_params={"base_url": fake.ws_url, "sample_rate": 16000},
    )
    conn = MemoryTransport(output_format=PCM16K)
    return conn, Runtime(build_voice_agent(conn, spec=spec), start_timeout=120.0)


def test_barge_in_cancels_the_context_and_no_stale_audio_plays(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run() -> tuple[Caller, FakeCartesia, CartesiaTTS, float]:
        async with FakeCartesia(interim_every_s=0, pace=1.0) as fake:
            fake.faults.ignore_cancel = True  # chunks of the cancelled context keep coming
            conn, rt = preset(fake, monkeypatch)
            caller = Caller(conn)
            async with rt:
                listener = asyncio.create_task(caller.listen())
                await caller.say(synthesize("What is the capital of France?", engine="piper"))
                await caller.silence_until(lambda: caller.audio_count() > 0, 30)
                await caller.silence_until(lambda: False, 1.5)  # a second and a half of the reply
                await caller.say(synthesize("Stop, wait a moment please.", engine="piper"))
                await caller.silence_until(lambda: False, 5.0)
                listener.cancel()
            cancel_t = next(m.t for m in fake.log if not m.sent and m.event.get("cancel"))
            tts = rt.graph.processors["tts"]
            assert isinstance(tts, CartesiaTTS)
            return caller, fake, tts, cancel_t

    caller, fake, tts, cancel_t = asyncio.run(run())
    contexts = [m.event["context_id"] for m in fake.log if not m.sent and "transcript" in m.event]
    assert contexts and contexts[0] == next(m.event["context_id"] for m in fake.log if m.event.get("cancel"))
    assert tts.stale_dropped > 0  # the cancelled context's late chunks arrived and were dropped
    late = [m for m in fake.sent_events("chunk") if m.t > cancel_t and m.event["context_id"] == contexts[0]]
    assert late, "the fault should keep the cancelled context streaming"
    # what played after the cancel is at most the short second reply ("Okay."), never the rest of LONG
    print(f"audio after the cancel: {caller.audio_s(after=cancel_t + 0.1):.2f} s")
    finals = [f for _, f in caller.heard if isinstance(f, BotTextFrame) and f.final]
    cut = finals[0]  # the played-words report, built from Cartesia's word timestamps
    assert cut.interrupted and 0 < len(cut.text.split()) < len(LONG.split())
    assert LONG.startswith(cut.text), cut.text
    assert caller.audio_s(after=cancel_t + 0.1) < 1.5, caller.audio_s(after=cancel_t + 0.1)


def test_a_socket_dropped_mid_reply_reconnects_for_the_next_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run() -> tuple[Caller, FakeCartesia, CartesiaTTS, float]:
        async with FakeCartesia(interim_every_s=0) as fake:
            fake.faults.drop_after_chunks = 3  # the first reply's socket dies after 0.3 s of audio
            conn, rt = preset(fake, monkeypatch)
            caller = Caller(conn)
            async with rt:
                listener = asyncio.create_task(caller.listen())
                await caller.say(synthesize("What is the capital of France?", engine="piper"))
                await caller.silence_until(lambda: caller.audio_count() > 0, 30)
                await caller.silence_until(lambda: False, 2.0)
                second_at = time.perf_counter()
                await caller.say(synthesize("Thank you.", engine="piper"))
                await caller.silence_until(lambda: caller.audio_s(after=second_at) > 0.3, 30)
                listener.cancel()
            tts = rt.graph.processors["tts"]
            assert isinstance(tts, CartesiaTTS)
            return caller, fake, tts, second_at

    caller, fake, tts, second_at = asyncio.run(run())
    assert tts.connects == 2
    assert caller.audio_s(after=second_at) > 0.3  # "Okay." played on the new socket
    texts = [m.event["transcript"] for m in fake.log if not m.sent and m.event.get("transcript")]
    assert texts[-1].strip() == "Okay."
