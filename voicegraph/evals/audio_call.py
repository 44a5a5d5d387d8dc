"""run_audio_call: one spoken call with a graph spec (synthesized caller, real time), as turns."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicegraph.demo.caller_voice import CallerVoice
from voicegraph.demo.latency_probes import LatencyProbes
from voicegraph.demo.scripted_caller import ScriptedCaller
from voicegraph.evals.reply_recorder import ReplyRecorder
from voicegraph.evals.turn_record import TurnEvent, TurnRecord
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.runtime import Runtime
from voicegraph.graphs.voice_agent import build_voice_agent, spoken_format
from voicegraph.processors.engines.engine_warmup import warm_engines
from voicegraph.transports.memory_transport import MemoryTransport

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.demo.caller_line import CallerLine
    from voicegraph.demo.request_timing import RequestTiming
    from voicegraph.evals.reply_recorder import Reply
    from voicegraph.framework.spec import GraphSpec


@dataclass(slots=True)
class AudioCallResult:
    """The turns of one spoken call (one per agent request) and the errors the graph reported."""

    turns: list[TurnRecord]
    errors: list[str] = field(default_factory=list)


async def run_audio_call(
    spec: GraphSpec,
    lines: Sequence[CallerLine],
    *,
    voice: str = "piper",
    reply_timeout_s: float = 8.0,
    end_timeout_s: float = 60.0,
) -> AudioCallResult:
    """Build `spec` on a `MemoryTransport`, warm it, let a `ScriptedCaller` speak `lines`, drain.

    Each agent request becomes a `TurnRecord`: the user's words as the STT heard them,
    the agent's events (text, tools, call actions, `interrupted` when the output reported
    the reply cut), and `first_audio_ms` / `first_text_ms` / `reply_ms` after the last
    speech sample of the line.

    Raises:
        VoiceError: the graph could not be built or started; (timeout) it did not drain.
    """
    transport = MemoryTransport(output_format=spoken_format(spec) or PCM16K)
    graph = build_voice_agent(transport, spec=spec)
    rt = Runtime(graph, start_timeout=180.0, end_timeout=end_timeout_s)
    latency, replies = LatencyProbes(rt), ReplyRecorder()
    replies.attach(rt)
    caller = ScriptedCaller(
        transport, rt.clock, lines, voice=CallerVoice(engine=voice), reply_timeout_s=reply_timeout_s,
        on_output=latency.audio_out, expect_reports=True,
    )  # fmt: skip
    caller.follow_reports(rt)
    await caller.prepare()
    await rt.start()
    try:
        await warm_engines(graph)
        await _talk(rt, caller, end_timeout_s)
    except BaseException:
        await rt.cancel()
        raise
    await rt.end()
    caller.drain()
    for line in caller.spoken:
        if line.end_ns:
            latency.speech_end(line.end_ns)
    requests = latency.requests()
    turns = [
        _turn(i, timing, replies.replies[i] if i < len(replies.replies) else None)
        for i, timing in enumerate(requests)
    ]
    return AudioCallResult(turns=turns, errors=[str(e.error) for e in rt.bus.errors])


async def _talk(rt: Runtime, caller: ScriptedCaller, end_timeout_s: float) -> None:
    """The caller speaks its lines while listening; then the graph drains."""
    async with asyncio.TaskGroup() as tg:
        listener = tg.create_task(caller.listen())
        try:
            await caller.run()
            async with asyncio.timeout(end_timeout_s):
                await rt.wait()
        finally:
            listener.cancel()


def _turn(i: int, timing: RequestTiming, reply: Reply | None) -> TurnRecord:
    turn = TurnRecord(index=i + 1, user_text=timing.user_text, heard_text=timing.heard_text)
    events = list(reply.events) if reply is not None else []
    if timing.interrupted:  # the cut happened while it spoke: after its words, before call actions
        at = next((k for k, e in enumerate(events) if e.kind in ("end_call", "transfer")), len(events))
        events.insert(at, TurnEvent("interrupted"))
    turn.events = events
    figures = {
        "first_audio_ms": timing.voice_to_voice_ms,
        "first_text_ms": timing.since_speech_end(timing.first_token_ns),
        "reply_ms": timing.since_speech_end(reply.end_ns) if reply is not None and reply.end_ns else None,
    }
    turn.timings_ms = {k: v for k, v in figures.items() if v is not None}
    return turn
