"""Backend benchmark: start-up time, session creation under a burst, RSS per idle session.

    python -m benchmarks.backend            # prints one JSON object
    python -m benchmarks.backend --burst 100 --idle 200

Figures:
- `startup`: `Backend.start()` in process (open a SQLite store, listen on WebSocket) and
  `voicegraph serve` as a process, from spawn to its ready line (imports included).
- `session_create_burst`: `burst` WebSocket clients connect at once; server side, admission
  to graph started (the session layer's own latency); client side, connect to `started`.
- `idle_session_rss`: RSS growth per idle in-process session (echo graph), averaged.
Targets: ready < 2 s, session created < 50 ms p99.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import yaml  # noqa: E402

from benchmarks.stats import percentile  # noqa: E402
from voicegraph.backends.backend import Backend  # noqa: E402
from voicegraph.backends.live_session import SessionListener  # noqa: E402
from voicegraph.backends.providers import provider, register_builtin  # noqa: E402
from voicegraph.backends.stores.store_factory import create_store  # noqa: E402
from voicegraph.framework import Graph  # noqa: E402
from voicegraph.processors.agent.echo_agent import EchoAgent  # noqa: E402

TARGETS = {"ready_s": 2.0, "session_create_p99_ms": 50.0}


def echo_graph(conn: Any) -> Graph:
    return Graph.chain(conn.input(), EchoAgent(), conn.output(), name="echo")


class CreateTimes(SessionListener):
    """Collects the session layer's create latency (admission to graph started)."""

    def __init__(self) -> None:
        self.ms: list[float] = []

    def request(self, operation: str, seconds: float, error: str | None) -> None:
        if operation == "session.create" and error is None:
            self.ms.append(seconds * 1000.0)


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values), "p50_ms": round(percentile(values, 50), 3),
        "p99_ms": round(percentile(values, 99), 3), "max_ms": round(max(values), 3),
    }  # fmt: skip


async def startup_in_process(tmp: Path) -> float:
    backend = Backend(
        provider("websocket"),
        echo_graph,
        options={"port": 0},
        store=create_store(f"sqlite:///{tmp / 'a.db'}"),
    )
    t0 = time.perf_counter()
    await backend.start()
    ready = time.perf_counter() - t0
    await backend.stop(1.0)
    return ready


def startup_process(tmp: Path) -> float:
    config = {
        "backend": {"provider": "websocket", "options": {"port": 0}},
        "graph": {"nodes": [{"id": "agent", "type": "echo_agent"}]},
        "persistence": {"url": f"sqlite:///{tmp / 'b.db'}"},
    }
    path = tmp / "serve.yaml"
    path.write_text(yaml.safe_dump(config))
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicegraph.cli", "serve", str(path)], stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - t0
        if not line.startswith(b"{"):
            raise RuntimeError("serve did not announce readiness")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()
    return elapsed


async def burst(n: int) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    times = CreateTimes()
    backend = Backend(
        provider("websocket"), echo_graph, options={"port": 0}, max_sessions=n, listeners=[times]
    )
    await backend.start()
    url = backend.transport.url
    start = json.dumps({"type": "start", "sample_rate": 16000})
    client_ms: list[float] = []

    async def one() -> Any:
        t0 = time.perf_counter()
        ws = await connect(url, open_timeout=30)
        await ws.send(start)
        msg = json.loads(await ws.recv())
        client_ms.append((time.perf_counter() - t0) * 1000.0)
        assert msg["type"] == "started", msg
        return ws

    sockets = await asyncio.gather(*(one() for _ in range(n)))
    async with asyncio.timeout(30):
        while len(times.ms) < n:  # noqa: ASYNC110 - polling a counter the listener fills
            await asyncio.sleep(0.01)
    for ws in sockets:
        await ws.close()
    await backend.stop(2.0)
    return {
        "clients": n,
        "server_admit_to_running": _ms(times.ms),
        "client_connect_to_started": _ms(client_ms),
    }


async def idle_rss(n: int) -> dict[str, Any]:
    proc = psutil.Process()
    backend = Backend(provider("memory"), echo_graph, max_sessions=n + 1)
    await backend.start()
    warm = await backend.transport.connect()
    await asyncio.sleep(0.05)
    gc.collect()
    before = proc.memory_info().rss
    tracemalloc.start()
    traced0 = tracemalloc.get_traced_memory()[0]
    clients = [await backend.transport.connect() for _ in range(n)]
    async with asyncio.timeout(30):
        while len(backend.manager.live) < n + 1:  # noqa: ASYNC110 - waiting for n sessions to run
            await asyncio.sleep(0.01)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - traced0
    tracemalloc.stop()
    after = proc.memory_info().rss
    for c in [warm, *clients]:
        await c.end()
    await backend.stop(2.0)
    return {
        "sessions": n,
        "rss_per_session_kib": round((after - before) / n / 1024, 1),
        "python_heap_per_session_kib": round(traced / n / 1024, 1),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    register_builtin()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        result: dict[str, Any] = {
            "startup": {
                "in_process_ready_s": round(await startup_in_process(tmp), 4),
                "serve_process_ready_s": round(await asyncio.to_thread(startup_process, tmp), 3),
            }
        }
    result["session_create_burst"] = await burst(args.burst)
    result["idle_session_rss"] = await idle_rss(args.idle)
    p99 = result["session_create_burst"]["server_admit_to_running"]["p99_ms"]
    result["targets"] = {
        "ready_s": TARGETS["ready_s"],
        "ready_met": result["startup"]["serve_process_ready_s"] < TARGETS["ready_s"],
        "session_create_p99_ms": TARGETS["session_create_p99_ms"],
        "session_create_met": p99 < TARGETS["session_create_p99_ms"],
    }
    result["meta"] = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "loadavg": os.getloadavg()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=100, help="clients connecting at once")
    parser.add_argument("--idle", type=int, default=200, help="idle sessions for the RSS figure")
    print(json.dumps(asyncio.run(main_async(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
