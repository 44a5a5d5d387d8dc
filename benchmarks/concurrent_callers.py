"""Concurrent callers against one process: turns answered, reply latency and RSS per N callers.

    python -m benchmarks.concurrent_callers                 # N = 1, 3, 10; about 2 minutes
    python -m benchmarks.concurrent_callers --callers 1,3 --lines 2

Each caller is a `ScriptedCaller` on its own `MemoryTransport` session of the stock graph
with PocketSphinx STT (the engine issue 12 found loaded once per session, ~95 MB and
0.3-0.8 s each), eSpeak TTS and the scripted agent (so the STT is what is shared and
measured). Callers speak in real time (20 ms chunks on the graph clock), start 0.3 s apart,
and each says `--lines` questions, waiting for the reply to each. The engines are
preloaded once, as `voicegraph serve` does, before any caller.

Per N: turns answered / asked (a reply started after the question ended and before the
next one began), reply latency p50/p95 (last speech sample pushed -> bot started
speaking, on the graph clock), peak RSS sampled every 50 ms, engine loads during the
run (0 when every session shares the preloaded engines) and PocketSphinx decoders
created. JSON on stdout; also saved to benchmarks/results/concurrent-callers.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from voicegraph.backends.graph_check import dry_run_graph
from voicegraph.demo.caller_line import CallerLine
from voicegraph.demo.caller_voice import CallerVoice
from voicegraph.demo.scripted_caller import ScriptedCaller
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.runtime import Runtime
from voicegraph.graphs.voice_agent import (
    VoiceAgentOptions,
    build_voice_agent,
    spoken_format,
    voice_agent_spec,
)
from voicegraph.transports.memory_transport import MemoryTransport

try:  # absent before issue 12's engine registry: then the run is the per-session baseline
    from voicegraph.framework.engine_registry import ENGINES
    from voicegraph.processors.engines.engine_preload import preload_engines
    from voicegraph.processors.stt.decoder_pool import shared_pool

    SHARED = True
except ImportError:
    SHARED = False

RESULTS = Path(__file__).with_name("results") / "concurrent-callers.json"
QUESTIONS = (
    "What is the weather like in Paris tomorrow?",
    "Please book a table for four people tonight.",
    "Can you move my meeting to Thursday morning?",
    "How long does the train to London take?",
)
OPTIONS = VoiceAgentOptions(
    stt="pocketsphinx", tts="espeak", agent="scripted", agent_params={"default": "Sure, let me check that."}
)


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


async def _caller(
    index: int, lines: list[CallerLine], voice: CallerVoice, options: VoiceAgentOptions
) -> dict[str, Any]:
    """One session: speak every line, wait for the replies; the per-turn outcomes."""
    spec = voice_agent_spec(options)
    conn = MemoryTransport(output_format=spoken_format(spec) or PCM16K, session_id=f"caller-{index}")
    graph = build_voice_agent(conn, spec=spec)
    rt = Runtime(graph, start_timeout=120.0, metadata={"session_id": f"caller-{index}"})
    caller = ScriptedCaller(conn, rt.clock, lines, voice=voice, reply_timeout_s=8.0)
    await caller.prepare()
    await asyncio.sleep(0.3 * index)
    t0 = time.perf_counter()
    await rt.start()
    start_ms = (time.perf_counter() - t0) * 1000
    try:
        async with asyncio.TaskGroup() as tg:
            listener = tg.create_task(caller.listen())
            try:
                await caller.run()
            finally:
                listener.cancel()
    finally:
        await rt.cancel()
    spoken = caller.spoken
    latencies: list[float] = []
    for i, line in enumerate(spoken):
        until = spoken[i + 1].start_ns if i + 1 < len(spoken) and spoken[i + 1].start_ns else None
        starts = [t for t in caller.bot_starts if t > line.end_ns and (until is None or t < until)]
        if line.end_ns and starts:
            latencies.append((starts[0] - line.end_ns) / 1e6)
    return {"asked": len(spoken), "latencies_ms": latencies, "start_ms": start_ms}


async def _rss_peak(stop: asyncio.Event, peak: list[int]) -> None:
    proc = psutil.Process()
    while not stop.is_set():
        peak[0] = max(peak[0], int(proc.memory_info().rss))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.05):
                await stop.wait()


async def run_n(
    n: int, lines_per_caller: int, voice: CallerVoice, options: VoiceAgentOptions
) -> dict[str, Any]:
    """N callers at once; the figures for this N."""
    cap = options.params.get("stt", {}).get("max_decoders")
    loads, created = (ENGINES.loads(), shared_pool(max_decoders=cap).created) if SHARED else ({}, 0)
    rss0 = int(psutil.Process().memory_info().rss)
    peak, stop = [rss0], asyncio.Event()
    scripts = [
        [CallerLine(QUESTIONS[(i + k) % len(QUESTIONS)]) for k in range(lines_per_caller)] for i in range(n)
    ]
    t0 = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        sampler = tg.create_task(_rss_peak(stop, peak))
        try:
            results = await asyncio.gather(*(_caller(i, scripts[i], voice, options) for i in range(n)))
        finally:
            stop.set()
    await sampler
    lat = [ms for r in results for ms in r["latencies_ms"]]
    now = ENGINES.loads() if SHARED else {}
    new_loads = {f"{k[0]}": v - loads.get(k, 0) for k, v in now.items() if v != loads.get(k, 0)}
    return {
        "callers": n,
        "turns_asked": sum(r["asked"] for r in results),
        "turns_answered": len(lat),
        "reply_latency_ms": {
            "p50": _percentile(lat, 50),
            "p95": _percentile(lat, 95),
            "max": max(lat, default=None),
        },
        "session_start_ms": {
            "p50": _percentile([r["start_ms"] for r in results], 50),
            "max": round(max(r["start_ms"] for r in results), 1),
        },
        "rss_mb": {"before": round(rss0 / 1e6, 1), "peak": round(peak[0] / 1e6, 1)},
        "engine_loads_during_run": new_loads,
        "pocketsphinx_decoders_created": shared_pool(max_decoders=cap).created - created if SHARED else None,
        "wall_s": round(time.perf_counter() - t0, 1),
    }


async def main(callers: list[int], lines: int, max_decoders: int | None = None) -> dict[str, Any]:
    options = OPTIONS
    if max_decoders is not None:
        options = dataclasses.replace(OPTIONS, params={"stt": {"max_decoders": max_decoders}})
    voice = CallerVoice()
    await asyncio.to_thread(lambda: [voice.speak(q) for q in QUESTIONS])
    t0 = time.perf_counter()
    preload: dict[str, float] = {}
    if SHARED:
        graph = dry_run_graph(lambda conn: build_voice_agent(conn, options))
        preload = await preload_engines(graph, warm=True)
    out: dict[str, Any] = {
        "engines": "shared per process, preloaded" if SHARED else "per session (baseline)",
        "graph": "stock voice agent: silero vad, pocketsphinx stt, scripted agent, espeak tts",
        "preload_ms": {k: round(v, 1) for k, v in preload.items()},
        "preload_s": round(time.perf_counter() - t0, 2),
        "lines_per_caller": lines,
        "max_decoders": max_decoders if max_decoders is not None else "default",
        "loadavg_start": os.getloadavg(),
        "runs": [],
    }
    for n in callers:
        print(f"{n} callers...", file=sys.stderr)
        out["runs"].append(await run_n(n, lines, voice, options))
    out["loadavg_end"] = os.getloadavg()
    out["cpus"] = os.cpu_count()
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", default="1,3,10", help="comma-separated caller counts")
    parser.add_argument("--lines", type=int, default=3, help="questions per caller")
    parser.add_argument("--max-decoders", type=int, default=None, help="PocketSphinx decoders kept")
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args()
    result = asyncio.run(main([int(x) for x in args.callers.split(",")], args.lines, args.max_decoders))
    text = json.dumps(result, indent=2)
    print(text)
    if not args.no_save:
        RESULTS.write_text(text + "\n")
