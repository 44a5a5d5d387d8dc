"""Scale-out benchmark: simulated LiveKit users over N `voicegraph worker` processes.

    python -m benchmarks.scale                          # 3 workers; 10, 20 users; ~3 min
    python -m benchmarks.scale --workers 3 --users 10,50,100,200 --turns 2   # the long sweep

Needs root (the test livekit-server runs in its own network namespace; see
tests/livekit_server.py) and redis-server. A real livekit-server dispatches one room per
user to N worker processes registered on `/agent` (automatic dispatch, the cheap graph of
tests/backends/providers/livekit_worker/cheap_graph.py: energy VAD, silence turn, echo
agent, eSpeak; sessions in Redis). The users live in this process on the realtime SDK,
join 0.2 s apart, and each says `--turns` lines, waiting for the reply to each.

Per user count: turns answered (the agent's words "(turn n)" within 15 s of the line),
playout lateness of the agent's replies as the users received them (each 10 ms frame's
arrival minus its slot in its reply, p50/p99, in ms; see `lateness_ms`; this includes
this process's own event-loop lag, since the users share the 2 cores), the workers'
CPU (cores busy over the level; beside it the livekit-server's and this process's, the
simulated users', which share the same 2 cores), their own event-loop lateness (each worker's worst
wake-up over 3 s, polled on /health every 0.5 s: p99 of those, `worker_lag_worst_p99_ms`;
what delays their playout), their RSS growth per session, sessions per core. A
level passes at p99 lateness < 20 ms and >= 99% of turns answered; the sweep stops at
the first failing level (`--keep-going` runs all). JSON on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np
import psutil  # type: ignore[import-untyped]
from livekit import rtc

from tests.backends.providers.livekit_worker.worker_fleet import (
    Caller,
    RedisProcess,
    WorkerProcess,
    lk_config,
)
from tests.livekit_server import LiveKitServer, PrivateNetns, find_or_build_binary
from tests.transports.livekit.sim_user import LOUD_RMS

RESULTS = Path(__file__).with_name("results") / "scale.json"
"""Also written after each level: the realtime SDK may abort the process (an FFI panic when
the machine is overloaded and a join times out), and the levels done so far are kept."""
LATE_P99_MS = 20.0
ANSWERED = 0.99


def say(*a: Any) -> None:
    print(*a, file=sys.stderr, flush=True)


def lateness_ms(callers: list[Caller]) -> list[float]:
    """Lateness of every frame of the agent's replies as the users got them (ms).

    A reply is a run of loud 10 ms frames; within it, frame k is due at anchor + k * 10 ms,
    the anchor being its least delayed frame, so a stall in the reply (a worker or this
    process running late) shows as lateness of every later frame of that reply.
    """
    out: list[float] = []
    for c in callers:
        if c.user is None:
            continue
        heard = c.user.heard
        times, loud = np.asarray(heard.times_ns, dtype=np.int64), np.asarray(heard.rms) > LOUD_RMS
        start = 0
        for k in range(1, len(times) + 1):
            if k < len(times) and loud[k] == loud[start] and heard.stream[k] == heard.stream[start]:
                continue
            if loud[start] and k - start >= 5:
                run = times[start:k] - np.arange(k - start, dtype=np.int64) * 10_000_000
                out.extend(((run - run.min()) / 1e6).tolist())
            start = k
    return out


async def sample_worker_lag(workers: list[WorkerProcess], into: list[float], period_s: float = 0.5) -> None:
    """Poll each worker's /health for its worst event-loop lateness (3 s window), until cancelled."""
    import aiohttp

    urls = [w.event("registered").get("health") for w in workers]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while True:
            for url in urls:
                if not url:
                    continue
                try:
                    async with http.get(url) as resp:
                        body = json.loads(await resp.text())
                    into.append(float(body["components"]["transport"]["worst_lag_ms"]))
                except (aiohttp.ClientError, TimeoutError, KeyError, ValueError):
                    pass
            await asyncio.sleep(period_s)


def rss_mb(workers: list[WorkerProcess]) -> float:
    total = 0
    for w in workers:
        try:
            proc = psutil.Process(w.proc.pid)
            total += sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def cpu_s(workers: list[WorkerProcess]) -> float:
    return pids_cpu_s([w.proc.pid for w in workers])


def pids_cpu_s(pids: list[int | None], *, children: bool = True) -> float:
    """CPU seconds of these processes (and their children) so far."""
    total = 0.0
    for pid in pids:
        if pid is None:
            continue
        try:
            proc = psutil.Process(pid)
            for p in [proc, *(proc.children(recursive=True) if children else [])]:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


async def one_level(
    server: LiveKitServer, workers: list[WorkerProcess], users: int, turns: int
) -> dict[str, Any]:
    config = lk_config(server)
    tag = f"scale{users}-{int(time.time()) % 10000}"
    callers = [Caller(config, f"{tag}-{i}") for i in range(users)]
    rss0, cpu0, t0 = rss_mb(workers), cpu_s(workers), time.monotonic()
    others0 = pids_cpu_s([server.pid]), pids_cpu_s([os.getpid()], children=False)
    answered = 0
    peak_rss = rss0
    worker_lag: list[float] = []
    sampler = asyncio.get_running_loop().create_task(sample_worker_lag(workers, worker_lag))
    try:
        joined: list[Caller] = []
        for c in callers:
            try:
                await c.join()
                joined.append(c)
            except (TimeoutError, rtc.ConnectError) as exc:  # counted as unanswered turns
                say(f"  {c.room_name}: join failed: {type(exc).__name__}")
            await asyncio.sleep(0.2)
        for n in range(1, turns + 1):
            results = await asyncio.gather(*(c.turn(n, timeout=15) for c in joined), return_exceptions=True)
            answered += sum(isinstance(r, float) for r in results)
            peak_rss = max(peak_rss, rss_mb(workers))
    finally:
        sampler.cancel()
        wall, cpu = time.monotonic() - t0, cpu_s(workers) - cpu0
        server_cpu = pids_cpu_s([server.pid]) - others0[0]
        users_cpu = pids_cpu_s([os.getpid()], children=False) - others0[1]
        late = lateness_ms(callers)
        await asyncio.gather(*(c.leave() for c in callers), return_exceptions=True)
    cores = cpu / wall if wall > 0 else 0.0
    p99 = float(np.percentile(late, 99)) if late else None
    share = answered / (users * turns)
    return {
        "users": users, "joined": len(joined), "turns": users * turns, "answered": round(share, 4),
        "late_p50_ms": round(float(np.percentile(late, 50)), 2) if late else None,
        "late_p99_ms": round(p99, 2) if p99 is not None else None,
        "worker_lag_worst_p99_ms": round(float(np.percentile(worker_lag, 99)), 1) if worker_lag else None,
        "worker_cores": round(cores, 3), "sessions_per_core": round(users / cores, 1) if cores else None,
        "server_cores": round(server_cpu / wall, 3), "users_cores": round(users_cpu / wall, 3),
        "rss_mb_before": round(rss0, 1), "rss_mb_peak": round(peak_rss, 1),
        "rss_mb_per_session": round((peak_rss - rss0) / users, 2),
        "passed": p99 is not None and p99 < LATE_P99_MS and share >= ANSWERED,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--users", default="10,20", help="user counts, comma separated")
    ap.add_argument("--turns", type=int, default=2)
    ap.add_argument("--max-jobs", type=int, default=100, help="each worker's max_jobs")
    ap.add_argument("--keep-going", action="store_true")
    ap.add_argument(
        "--loop-debug",
        action="store_true",
        help="workers in asyncio debug mode: callbacks over 50 ms go to their logs (slower)",
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="a worker config override, e.g. backend.options.media_rate=16000 (repeatable)",
    )
    ap.add_argument("--no-save", action="store_true", help=f"print only (do not overwrite {RESULTS.name})")
    args = ap.parse_args()
    save = (lambda text: None) if args.no_save else RESULTS.write_text
    netns = PrivateNetns.create_if_possible()
    server = LiveKitServer(binary=find_or_build_binary(), netns=netns, log_level="warn").start()
    redis = RedisProcess(server)
    env = {
        "VOICEGRAPH_PERSISTENCE__URL": redis.url,
        "VOICEGRAPH_BACKEND__OPTIONS__MAX_JOBS": str(args.max_jobs),
        "VOICEGRAPH_HEALTH__ENABLED": "true",
        "VOICEGRAPH_HEALTH__PORT": "0",
    }
    if args.loop_debug:
        env["PYTHONASYNCIODEBUG"] = "1"
    for item in args.set:
        path, _, value = item.partition("=")
        env["VOICEGRAPH_" + path.upper().replace(".", "__")] = value
    workers = [WorkerProcess(server, env=env) for _ in range(args.workers)]
    levels: list[dict[str, Any]] = []
    try:
        for w in workers:
            w.event("registered")
        idle_rss = rss_mb(workers)
        with server.network():
            for users in (int(x) for x in args.users.split(",")):
                say(f"scale: {users} users over {args.workers} workers ...")
                level = asyncio.run(one_level(server, workers, users, args.turns))
                say(f"  {json.dumps(level)}")
                levels.append(level)
                save(json.dumps({"partial": True, "levels": levels}, indent=1))
                if not level["passed"] and not args.keep_going:
                    break
    finally:
        for w in workers:
            w.stop()
        redis.stop()
        server.stop()
        if netns is not None:
            netns.delete()
    passing = [lv["users"] for lv in levels if lv["passed"]]
    summary = {
        "benchmark": "scale", "workers": args.workers, "cpu_count": psutil.cpu_count(),
        "idle_worker_rss_mb": round(idle_rss, 1), "max_users_passing": max(passing, default=0),
        "criteria": {"late_p99_ms_below": LATE_P99_MS, "answered_at_least": ANSWERED}, "levels": levels,
    }  # fmt: skip
    save(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
