"""Added latency of the Cartesia nodes: the fake's send of a message -> the frame in the graph.

    PYTHONPATH=. python benchmarks/cartesia_nodes.py [--replies 30] [--turns 8]

TTS: for every `chunk` the fake Cartesia sends, the time until the `TTSAudioFrame`
holding its last sample leaves the graph (matched by cumulative audio), and for the
first chunk of each reply alone. STT: for every final `transcript` the fake sends, the
time until its `TranscriptFrame` leaves the graph. STT turns (`CartesiaTurnsSTT`, the
`/stt/turns/websocket` socket): for every `turn.start` and `turn.end` the fake sends, the
time until its `UserStartedSpeakingFrame` / `TurnEndFrame` leaves the graph. The fake and the node share one
process and event loop over loopback, so the figures are the node's own cost (JSON
decode, base64, frame building, one graph hop) plus loopback, not Cartesia's service
time (synthesis and recognition run before the fake's send and are not counted).
Prints JSON: p50/p95/max in ms per measure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time

from tests.fakes.cartesia_server import FakeCartesia
from tests.speech import with_pauses
from voicegraph.demo.latency_table import percentile
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    InputAudioFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    SentenceFrame,
    TranscriptFrame,
    TTSAudioFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.stt.cartesia_stt import CartesiaSTT
from voicegraph.processors.stt.cartesia_turns_stt import CartesiaTurnsSTT
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS

SENTENCES = ("Sure, I can help with that.", "Your table is booked for seven tonight.")


def stats(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "max_ms": round(max(ms), 3),
    }


async def tts_latency(replies: int) -> dict[str, dict[str, float]]:
    async with FakeCartesia() as fake:
        tts = CartesiaTTS(base_url=fake.ws_url, sample_rate=16000)
        arrivals: list[tuple[float, int]] = []  # (time, cumulative bytes) per frame
        total = 0

        def seen(frame: object, _: str) -> None:
            nonlocal total
            if isinstance(frame, TTSAudioFrame):
                total += len(frame.data)
                arrivals.append((time.perf_counter(), total))

        async with Runtime(Graph.chain(tts)) as rt:
            rt.on_output(seen)
            for _ in range(replies):
                await rt.push(LLMResponseStartFrame())
                for s in SENTENCES:
                    await rt.push(SentenceFrame(text=s))
                await rt.push(LLMResponseEndFrame())
            await rt.end()
    sent_total, every, first = 0, [], []
    seen_contexts: set[str] = set()
    k = 0
    for m in fake.sent_events("chunk"):
        sent_total += len(base64.b64decode(m.event["data"]))
        while arrivals[k][1] < sent_total:
            k += 1
        ms = (arrivals[k][0] - m.t) * 1000
        every.append(ms)
        if m.event["context_id"] not in seen_contexts:
            seen_contexts.add(m.event["context_id"])
            first.append(ms)
    return {"tts_chunk": stats(every), "tts_first_chunk": stats(first)}


async def stt_latency(turns: int) -> dict[str, dict[str, float]]:
    pcm, _ = with_pauses([0.2, "please book a table for two", 0.4])
    async with FakeCartesia(interim_every_s=0) as fake:
        stt = CartesiaSTT(base_url=fake.ws_url)
        arrivals: list[float] = []
        turn_done = asyncio.Event()

        def seen(frame: object, _: str) -> None:
            if type(frame) is TranscriptFrame:
                arrivals.append(time.perf_counter())
            elif isinstance(frame, TurnEndFrame):
                turn_done.set()

        async with Runtime(Graph.chain(stt)) as rt:
            rt.on_output(seen)
            for _ in range(turns):
                turn_done.clear()
                await rt.push(UserStartedSpeakingFrame())
                for i in range(0, pcm.size, 320):
                    await rt.push(InputAudioFrame(data=pcm[i : i + 320].tobytes(), format=PCM16K))
                await rt.push(UserStoppedSpeakingFrame())
                await rt.push(TurnEndFrame())
                await turn_done.wait()  # forwarded once the turn's final transcript is out
            await rt.end()
    sent = [m.t for m in fake.sent_events("transcript") if m.event.get("is_final")]
    return {"stt_final": stats([(a - s) * 1000 for s, a in zip(sent, arrivals, strict=False)])}


async def turns_latency(turns: int) -> dict[str, dict[str, float]]:
    pcm, _ = with_pauses([0.2, "please book a table for two", 1.2])  # ends 0.8 s into the pause
    async with FakeCartesia() as fake:
        stt = CartesiaTurnsSTT(base_url=fake.ws_url, interrupt_on_start=False)
        starts: list[float] = []
        ends: list[float] = []
        turn_done = asyncio.Event()

        def seen(frame: object, _: str) -> None:
            if isinstance(frame, UserStartedSpeakingFrame):
                starts.append(time.perf_counter())
            elif isinstance(frame, TurnEndFrame):
                ends.append(time.perf_counter())
                turn_done.set()

        async with Runtime(Graph.chain(stt)) as rt:
            rt.on_output(seen)
            for _ in range(turns):
                turn_done.clear()
                for i in range(0, pcm.size, 320):
                    await rt.push(InputAudioFrame(data=pcm[i : i + 320].tobytes(), format=PCM16K))
                await turn_done.wait()
            await rt.end()

    def added(kind: str, arrivals: list[float]) -> dict[str, float]:
        sent = [m.t for m in fake.sent_events(kind)]
        return stats([(a - s) * 1000 for s, a in zip(sent, arrivals, strict=False)])

    return {"turns_start": added("turn.start", starts), "turns_end": added("turn.end", ends)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=30)
    parser.add_argument("--turns", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("CARTESIA_API_KEY", "sk_car_fake_test_key")
    result = {**asyncio.run(tts_latency(args.replies)), **asyncio.run(stt_latency(args.turns)),
              **asyncio.run(turns_latency(args.turns))}  # fmt: skip
    print(json.dumps({"benchmark": "cartesia_nodes", "transport": "loopback fake", **result}, indent=2))


if __name__ == "__main__":
    main()
