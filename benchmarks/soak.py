"""Soak: thousands of short sessions through one process; do resources stay flat?

    python -m benchmarks.soak                         # 5,000 sessions over loopback WebSocket
    python -m benchmarks.soak --sessions 500 --transport memory

Each session is one client of a `Backend` in this process: the WebSocket provider on
127.0.0.1 (raw-PCM protocol, a `websockets` client in the same process) or the memory
provider (`MemoryTransport`, no sockets). The graph is the echo agent (a scripted
text agent, no STT/TTS engines): the client sends `--turns` typed lines, waits for each
reply (each line after `--audio-chunks` 20 ms chunks of silence), then ends the
session. `--concurrency` sessions run at once. With `--fail-every K` every K-th
session's graph refuses to build (a coded error to the client), so the
failure path is soaked too; those sessions count as `failed_sessions`.

Sessions run in batches of `--sample-every`; after each batch the process waits for the
session manager to hold no live session, collects garbage and samples RSS, open file
descriptors, asyncio tasks, the session store's size (`--store`: memory:// by default,
or sqlite:///file.db / redis://...; every session saved in it, whatever its state), the
manager's live and recovered maps and Python objects tracked by the GC. After the
warm-up (`--warmup` sessions) each series gets a least-squares slope per 1,000 sessions
and a verdict: flat when under the stated threshold. JSON on stdout; also saved to
benchmarks/results/soak.json (or --out).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicegraph.backends.backend import Backend
from voicegraph.backends.graph_factory import graph_factory
from voicegraph.backends.providers.memory import MemoryProvider
from voicegraph.backends.providers.websocket import WebSocketProvider
from voicegraph.backends.stores.store_factory import create_store
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import LLMResponseEndFrame, TranscriptFrame
from voicegraph.framework.graph import Graph

SILENCE_20MS = bytes(640)
"""20 ms of 16 kHz mono s16 silence: the audio each turn sends before its text."""
if TYPE_CHECKING:
    from voicegraph.backends.stores.base import SessionStore

RESULTS = Path(__file__).with_name("results") / "soak.json"
GRAPH: dict[str, Any] = {
    "name": "echo",
    "nodes": [{"id": "agent", "type": "echo_agent", "params": {"reply_delay_s": 0.0}}],
}
FLAT_PER_1000 = {
    "rss_mib": 2.0,
    "fds": 1.0,
    "tasks": 1.0,
    "store_sessions": 0.5,
    "live_sessions": 0.5,
    "recovered_sessions": 0.5,
    "gc_objects": 2000.0,
}
"""A series is flat when its slope per 1,000 sessions after warm-up is under this."""


class FlakyGraphs:
    """The echo graph per session, except that every `fail_every`-th build raises."""

    def __init__(self, fail_every: int) -> None:
        self._build = graph_factory(GRAPH)
        self._fail_every = fail_every
        self.built = 0

    def __call__(self, conn: Any) -> Graph:
        self.built += 1
        if self._fail_every and self.built % self._fail_every == 0:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, "soak: this session's graph fails on purpose")
        return self._build(conn)


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def ws_session(url: str, turns: int, chunks: int) -> None:
    """One raw-PCM WebSocket client: start, `turns` typed lines each answered, end."""
    from websockets.asyncio.client import connect

    async with connect(url, open_timeout=10, compression=None) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
        started = json.loads(await ws.recv())
        assert started["type"] == "started", started
        for n in range(1, turns + 1):
            for _ in range(chunks):
                await ws.send(SILENCE_20MS)
            await ws.send(json.dumps({"type": "text", "text": f"line {n}"}))
            heard = ""
            while f"(turn {n})" not in heard:
                msg = await ws.recv()
                if isinstance(msg, str):
                    obj = json.loads(msg)
                    if obj["type"] == "error":
                        raise VoiceError(ErrorCode(obj["code"]), obj["message"])
                    if obj["type"] == "bot_text":
                        heard += obj["text"]
        await ws.send(json.dumps({"type": "end"}))
        async for msg in ws:  # drain to the server's end message and close
            if isinstance(msg, str) and json.loads(msg)["type"] == "end":
                break


async def memory_session(backend: Backend[Any], turns: int, chunks: int) -> None:
    """The same session through an in-process `MemoryTransport`."""
    server = backend.transport
    client = await server.connect()
    for n in range(1, turns + 1):
        for _ in range(chunks):
            await client.send_audio(SILENCE_20MS)
        await client.send_frame(TranscriptFrame(text=f"line {n}"))
        async with asyncio.timeout(20):
            while True:
                if client.session_id in server.errors:
                    raise server.errors[client.session_id]
                try:
                    async with asyncio.timeout(0.2):
                        frame = await client.next_output()
                except TimeoutError:
                    continue
                if isinstance(frame, LLMResponseEndFrame):
                    break
    await client.end()
    await client.wait_finished()


async def sample(backend: Backend[Any], store: SessionStore, done: int, t0: float) -> dict[str, Any]:
    async with asyncio.timeout(30):
        await backend.manager.wait_ended()
    gc.collect()
    return {
        "sessions": done,
        "elapsed_s": round(time.perf_counter() - t0, 2),
        "rss_mib": round(rss_mib(), 2),
        "fds": len(os.listdir("/proc/self/fd")),
        "tasks": len(asyncio.all_tasks()),
        "store_sessions": len(await store.list()),
        "live_sessions": len(backend.manager.live),
        "recovered_sessions": len(backend.manager.recovered),
        "gc_objects": len(gc.get_objects()),
    }


def slope_per_1000(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (sessions, value), per 1,000 sessions."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return 1000 * sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def verdict(samples: list[dict[str, Any]], warmup: int) -> dict[str, Any]:
    after = [s for s in samples if s["sessions"] >= warmup]
    out: dict[str, Any] = {}
    for key, limit in FLAT_PER_1000.items():
        slope = slope_per_1000([(s["sessions"], s[key]) for s in after])
        first, last = after[0][key], after[-1][key]
        out[key] = {"slope_per_1000": round(slope, 3), "after_warmup": first, "end": last,
                    "flat": abs(slope) < limit, "threshold": limit}  # fmt: skip
    return out


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    store = create_store(args.store)
    provider: Any = WebSocketProvider() if args.transport == "websocket" else MemoryProvider()
    options = {"host": "127.0.0.1", "port": 0}
    graphs = FlakyGraphs(args.fail_every)
    backend: Backend[Any] = Backend(provider, graphs, options=options, store=store, max_sessions=1000)
    samples: list[dict[str, Any]] = []
    failures = 0
    async with backend:
        url = backend.transport.describe().get("url", "")
        t0 = time.perf_counter()
        samples.append(await sample(backend, store, 0, t0))
        done = 0
        gate = asyncio.Semaphore(args.concurrency)

        async def one() -> None:
            async with gate:
                if args.transport == "websocket":
                    await ws_session(url, args.turns, args.audio_chunks)
                else:
                    await memory_session(backend, args.turns, args.audio_chunks)

        while done < args.sessions:
            batch = min(args.sample_every, args.sessions - done)
            results = await asyncio.gather(*(one() for _ in range(batch)), return_exceptions=True)
            failures += sum(isinstance(r, BaseException) for r in results)
            done += batch
            samples.append(await sample(backend, store, done, t0))
            if args.progress:
                print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t0
    return {
        "benchmark": "soak",
        "transport": args.transport,
        "graph": "echo_agent (text turns, no STT/TTS)",
        "store": args.store,
        "sessions": args.sessions,
        "turns_per_session": args.turns,
        "audio_chunks_per_turn": args.audio_chunks,
        "concurrency": args.concurrency,
        "fail_every": args.fail_every,
        "failed_sessions": failures,
        "elapsed_s": round(elapsed, 1),
        "sessions_per_s": round(args.sessions / elapsed, 1),
        "warmup_sessions": args.warmup,
        "load_average": os.getloadavg(),
        "verdict": verdict(samples, args.warmup),
        "flat": all(v["flat"] for v in verdict(samples, args.warmup).values()),
        "samples": samples,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--sessions", type=int, default=5000)
    p.add_argument("--turns", type=int, default=3)
    p.add_argument("--audio-chunks", type=int, default=5, help="20 ms silence chunks sent per turn")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--transport", choices=["websocket", "memory"], default="websocket")
    p.add_argument("--fail-every", type=int, default=0, help="every K-th session fails (0: none)")
    p.add_argument("--store", default="memory://", help="session store URL (memory://, sqlite:///x.db)")
    p.add_argument("--sample-every", type=int, default=250)
    p.add_argument("--warmup", type=int, default=None, help="default: 20%% of --sessions")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--progress", action="store_true", help="print each sample on stderr")
    args = p.parse_args(argv)
    if args.warmup is None:
        args.warmup = args.sessions // 5
    from voicegraph.backends.providers import register_builtin

    register_builtin()
    result = asyncio.run(soak(args))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
