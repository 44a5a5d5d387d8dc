"""Added latency of the pipecat_service adapter, next to voicegraph's native nodes.

    PYTHONPATH=. python benchmarks/pipecat_service.py [--frames 300] [--replies 20] [--turns 10]

hop: one frame through a node and back out of the graph, for a trivial "TTS" that turns
each text into one audio frame at once: a native voicegraph Processor vs the same work in
a Pipecat FrameProcessor hosted by PipecatService (Pipecat's queues, the taps, the frame
translation both ways). The difference is the adapter's cost per frame.
tts_chunk / tts_first_chunk: Cartesia (fake, loopback): the fake's send of a chunk -> the
TTSAudioFrame holding its last sample leaves the graph, native CartesiaTTS vs Pipecat's
CartesiaTTSService in the adapter. tts_turn: reply pushed -> first audio out.
llm_turn: LLMMessagesFrame pushed -> first LLMTextFrame out, on the fake OpenAI server,
native LLMNode vs Pipecat's OpenAILLMService in the adapter.
Service time is the fakes' (no model runs), so the figures are the nodes' own costs plus
loopback. Prints JSON: p50/p95/max in ms per measure and variant.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from typing import Any

from tests.fakes.cartesia_server import FakeCartesia
from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from tests.processors.pipecat_service.services import cartesia_tts, openai_llm
from voicegraph.demo.latency_table import percentile
from voicegraph.framework import Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    Frame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    SentenceFrame,
    TextFrame,
    TTSAudioFrame,
)
from voicegraph.processors.agent.llm_node import LLMNode
from voicegraph.processors.pipecat_service import PipecatService
from voicegraph.processors.pipecat_service.service_loader import import_pipecat
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS

SENTENCES = ("Sure, I can help with that.", "Your table is booked for seven tonight.")
PCM_20MS = b"\0" * 640


def stats(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
            "max_ms": round(max(ms), 3)}  # fmt: skip


class NativeEcho(Processor):
    """Text in, one 20 ms TTSAudioFrame out (the native side of `hop`)."""

    concurrent = True

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        await out.send(TTSAudioFrame(data=PCM_20MS, format=PCM16K))


def pipecat_echo() -> Any:
    """The same work as a Pipecat FrameProcessor: TTSSpeakFrame in, one TTSAudioRawFrame out."""
    import_pipecat()
    from pipecat.frames.frames import Frame as PFrame
    from pipecat.frames.frames import TTSAudioRawFrame, TTSSpeakFrame
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

    class PipecatEcho(FrameProcessor):
        async def process_frame(self, frame: PFrame, direction: FrameDirection) -> None:
            await super().process_frame(frame, direction)
            if isinstance(frame, TTSSpeakFrame):
                await self.push_frame(TTSAudioRawFrame(audio=PCM_20MS, sample_rate=16000, num_channels=1))
            else:
                await self.push_frame(frame, direction)

    return PipecatEcho()


async def hop(node: Processor, frames: int) -> dict[str, float]:
    got = asyncio.Event()
    times: list[float] = []

    def seen(frame: Frame, _: str) -> None:
        if isinstance(frame, TTSAudioFrame):
            got.set()

    async with Runtime(Graph.chain(node)) as rt:
        rt.on_output(seen)
        for i in range(frames + 20):
            got.clear()
            t0 = time.perf_counter()
            await rt.push(TextFrame(text="hi"))
            await got.wait()
            if i >= 20:  # warm-up
                times.append((time.perf_counter() - t0) * 1000)
        await rt.end()
    return stats(times)


async def tts(node_of: Any, replies: int) -> dict[str, dict[str, float]]:
    async with FakeCartesia() as fake:
        tts_node = node_of(fake.ws_url)
        arrivals: list[tuple[float, int]] = []
        total, first_audio = 0, asyncio.Event()

        def seen(frame: Frame, _: str) -> None:
            nonlocal total
            if isinstance(frame, TTSAudioFrame):
                total += len(frame.data)
                arrivals.append((time.perf_counter(), total))
                first_audio.set()

        turn: list[float] = []
        async with Runtime(Graph.chain(tts_node)) as rt:
            rt.on_output(seen)
            for _ in range(replies):
                first_audio.clear()
                t0 = time.perf_counter()
                await rt.push(LLMResponseStartFrame())
                for s in SENTENCES:
                    await rt.push(SentenceFrame(text=s))
                await rt.push(LLMResponseEndFrame())
                await first_audio.wait()
                turn.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.3)  # the reply's audio is out before the next
            await rt.end()
    every, first, seen_ctx, sent_total, k = [], [], set(), 0, 0
    for m in fake.sent_events("chunk"):
        sent_total += len(base64.b64decode(m.event["data"]))
        while k < len(arrivals) - 1 and arrivals[k][1] < sent_total:
            k += 1
        ms = (arrivals[k][0] - m.t) * 1000
        every.append(ms)
        if m.event["context_id"] not in seen_ctx:
            seen_ctx.add(m.event["context_id"])
            first.append(ms)
    return {"tts_chunk": stats(every), "tts_first_chunk": stats(first), "tts_turn": stats(turn)}


async def llm(node_of: Any, turns: int) -> dict[str, float]:
    async with FakeOpenAIChatServer() as server:
        server.default = FakeReply(texts=("Sure", ", I can", " help."))
        node = node_of(server.base_url)
        first, times = asyncio.Event(), []

        def seen(frame: Frame, _: str) -> None:
            if isinstance(frame, LLMTextFrame):
                first.set()

        async with Runtime(Graph.chain(node)) as rt:
            rt.on_output(seen)
            for _ in range(turns):
                first.clear()
                t0 = time.perf_counter()
                await rt.push(LLMMessagesFrame(messages=({"role": "user", "content": "Hi"},)))
                await first.wait()
                times.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.1)
            await rt.end()
    return stats(times)


async def run(frames: int, replies: int, turns: int) -> dict[str, Any]:
    def native_tts(url: str) -> Processor:
        return CartesiaTTS(base_url=url, sample_rate=16000)

    def pipecat_tts(url: str) -> Processor:
        return cartesia_tts(url, sample_rate=16000)

    def native_llm(url: str) -> Processor:
        return LLMNode(base_url=url, model="fake-model", api_key="sk-fake")

    hosted_echo = PipecatService(service=pipecat_echo(), kind="tts", sample_rate=16000)
    return {
        "hop": {"native": await hop(NativeEcho(), frames), "pipecat_service": await hop(hosted_echo, frames)},
        "tts": {"native": await tts(native_tts, replies), "pipecat_service": await tts(pipecat_tts, replies)},
        "llm_turn": {"native": await llm(native_llm, turns), "pipecat_service": await llm(openai_llm, turns)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--replies", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    import os

    os.environ.setdefault("CARTESIA_API_KEY", "sk_car_fake_test_key")
    result = asyncio.run(run(args.frames, args.replies, args.turns))
    print(json.dumps({"benchmark": "pipecat_service", "transport": "loopback fakes", **result}, indent=2))


if __name__ == "__main__":
    main()
