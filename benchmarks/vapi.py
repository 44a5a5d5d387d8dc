"""Vapi provider benchmark: what voicegraph adds in front of the agent when Vapi calls it.

    python -m benchmarks.vapi                 # prints one JSON object
    python -m benchmarks.vapi --calls 20 --turns 5

Figures (in process, loopback HTTP, a model-free scripted agent, so the numbers are the
provider's own overhead, not a model's):
- `first_request_first_chunk`: POST /chat/completions to the first content chunk for the
  first request of a call (it builds and starts the call's agent graph);
  `next_request_first_chunk`: the same for later requests (the graph is reused).
- `tool_calls`: a `tool-calls` webhook answered by the ToolRegistry, round trip.
Targets: first chunk of a later request < 20 ms p95; tool-calls < 20 ms p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from voicegraph.backends.config import load_config  # noqa: E402
from voicegraph.backends.from_config import build_served  # noqa: E402
from voicegraph.backends.providers import register_builtin  # noqa: E402
from voicegraph.demo.latency_table import percentile  # noqa: E402

TARGETS = {"next_request_first_chunk_p95_ms": 20.0, "tool_calls_p95_ms": 20.0}
SECRET, KEY = "bench-server-secret-0123456789", "bench-llm-key-0123456789"
TOOL_CALL = {"id": "t1", "type": "function", "function": {"name": "lookup", "arguments": '{"order_id": "1"}'}}


def lookup(order_id: str) -> str:
    """A tool for the benchmark.

    Args:
        order_id: the order.
    """
    return f"Order {order_id} ships tomorrow."


def _config() -> dict[str, Any]:
    agent = {
        "id": "agent",
        "type": "scripted_agent",
        "params": {"script": ["Sure, one moment."], "loop": True},
    }
    return {
        "backend": {"provider": "vapi", "options": {"port": 0, "tools": ["benchmarks.vapi:lookup"]}},
        "graph": {"name": "bench", "nodes": [agent]},
        "persistence": {"url": "memory://"},
        "health": {"enabled": False},
    }


async def _first_chunk_ms(http: httpx.AsyncClient, url: str, call: str) -> float:
    body = {
        "model": "x",
        "stream": True,
        "call": {"id": call},
        "messages": [{"role": "user", "content": "hi"}],
    }
    t0, first = time.perf_counter(), float("nan")
    async with http.stream("POST", url, json=body, headers={"Authorization": f"Bearer {KEY}"}) as reply:
        async for line in reply.aiter_lines():
            if first != first and '"content":"Sure' in line:  # NaN until the first content chunk
                first = time.perf_counter() - t0
    return first * 1000.0


async def run(calls: int, turns: int) -> dict[str, Any]:
    """Serve in process, play `calls` calls of `turns` requests each, one tool call per call."""
    os.environ.update(VAPI_SERVER_SECRET=SECRET, VAPI_LLM_API_KEY=KEY)
    register_builtin()
    served = build_served(load_config(_config(), env={}))
    await served.start()
    first: list[float] = []
    later: list[float] = []
    tools: list[float] = []
    try:
        base = served.backend.transport.describe()["url"]
        async with httpx.AsyncClient(timeout=30) as http:
            for _ in range(calls):
                call = str(uuid.uuid4())
                for turn in range(turns):
                    (later if turn else first).append(
                        await _first_chunk_ms(http, base + "/chat/completions", call)
                    )
                message = {"type": "tool-calls", "call": {"id": call}, "toolCallList": [TOOL_CALL]}
                t0 = time.perf_counter()
                await http.post(
                    base + "/vapi/webhook", json={"message": message}, headers={"X-Vapi-Secret": SECRET}
                )
                tools.append((time.perf_counter() - t0) * 1000.0)
    finally:
        await served.stop(5)
    figures = {
        "first_request_first_chunk_p50_ms": percentile(first, 50),
        "next_request_first_chunk_p50_ms": percentile(later, 50),
        "next_request_first_chunk_p95_ms": percentile(later, 95),
        "tool_calls_p50_ms": percentile(tools, 50),
        "tool_calls_p95_ms": percentile(tools, 95),
    }
    rounded = {k: round(v, 2) for k, v in figures.items()}
    met = {k: rounded[k] <= v for k, v in TARGETS.items()}
    return {
        "calls": calls,
        "turns": turns,
        "figures": rounded,
        "targets": TARGETS,
        "met": met,
        "loadavg": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Vapi provider overhead (custom LLM, server URL)")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--turns", type=int, default=4)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.calls, args.turns)), indent=2))


if __name__ == "__main__":
    main()
