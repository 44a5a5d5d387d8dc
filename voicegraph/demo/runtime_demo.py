"""A graph demo of the runtime alone: frames flowing, a barge-in, and timing.

Runs without any engine: a scripted caller types lines, a paced "bot" answers word by
word through a queued node, and the caller barges in mid-answer. Prints a timeline.
"""

from __future__ import annotations

import time

from voicegraph.framework import (
    Graph,
    InterruptEvent,
    LatencySpec,
    Outbox,
    Processor,
    Runtime,
    StartContext,
    handles,
)
from voicegraph.framework.frames import (
    Frame,
    InterruptFrame,
    LLMTextFrame,
    TranscriptFrame,
    UserStartedSpeakingFrame,
)

SCRIPT: list[tuple[float, str]] = [
    (0.0, "Hello, who are you?"),
    (1.6, "What can you do?"),
    (2.3, "<barge-in>"),
    (2.4, "Stop. Just tell me the time."),
]
REPLIES = {
    "who": "I am a voicegraph demo bot, made of frame-processing nodes.",
    "what": "I can listen, think and answer in speech, and I stop talking the moment you interrupt me.",
    "time": "It is demo time.",
}


class ScriptedTranscripts(Processor):
    """Emits the caller's lines as final transcripts at scripted times (graph clock)."""

    async def on_start(self, ctx: StartContext) -> None:
        ctx.spawn(self._play(), name="caller")

    async def _play(self) -> None:
        start = self.clock.now_ns()
        for at, line in SCRIPT:
            await self.clock.sleep_until(start + int(at * 1e9))
            if line == "<barge-in>":
                await self.outbox.send(UserStartedSpeakingFrame())
            else:
                await self.outbox.send(TranscriptFrame(text=line))


class BargeInPolicy(Processor):
    """Requests an interruption when the user starts speaking."""

    @handles
    async def on_user(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        await out.request_interrupt("user started speaking")
        await out.send(frame)


class WordBot(Processor):
    """A rule bot that 'speaks' one word every 120 ms (stands in for LLM + TTS)."""

    concurrent = True
    latency = LatencySpec(120.0, "one word of speech")

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        await out.send(frame)  # let the transcript through for display
        key = next((k for k in REPLIES if k in frame.text.lower()), "who")
        for word in REPLIES[key].split():
            await self.clock.sleep(0.12)
            await out.send(LLMTextFrame(text=word + " "))


def _printer(t0: float) -> tuple[list[str], object]:
    lines: list[str] = []

    def show(frame: Frame, sink: str) -> None:
        stamp = f"[{time.monotonic() - t0:6.3f}s]"
        if isinstance(frame, LLMTextFrame):
            print(frame.text, end="", flush=True)
            lines.append(frame.text)
        elif isinstance(frame, TranscriptFrame):
            print(f"\n{stamp} user: {frame.text}\n{stamp} bot:  ", end="", flush=True)
        elif isinstance(frame, InterruptFrame):
            print(f"\n{stamp} -- interrupted (epoch {frame.new_epoch}): {frame.reason}", flush=True)

    return lines, show


async def run_demo() -> dict[str, float]:
    """Run the demo on the real clock; returns the figures it printed."""
    graph = Graph.chain(ScriptedTranscripts(), BargeInPolicy(), WordBot(), name="runtime-demo")
    t0 = time.monotonic()
    flush: list[float] = []
    async with Runtime(graph) as rt:
        _, show = _printer(t0)
        rt.on_output(show)  # type: ignore[arg-type]
        rt.bus.subscribe(lambda e: flush.append(e.flush_ns / 1000), InterruptEvent)
        await rt.clock.sleep(3.6)
    stats = rt.stats()
    dropped = sum(v.get("flushed", 0) + v.get("dropped_stale", 0) for v in stats.values())
    print(f"\n\ninterruptions: {len(flush)}; flush took {', '.join(f'{f:.1f} us' for f in flush)}")
    print(f"frames flushed or dropped as stale: {dropped}; stale frames at the sink: {rt.stale_at_sinks}")
    print(f"declared latency per path: {graph.latency_budget()[0][1]:.0f} ms")
    return {"interruptions": len(flush), "flush_us": max(flush, default=0.0)}
