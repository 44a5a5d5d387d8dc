"""K graphs of 10 nodes, each carrying one real-time 20 ms audio stream: CPU per frame-hop, lateness.

One driver task per graph sends a 640-byte 16 kHz s16 frame every 20 ms against absolute
deadlines (start + n * 20 ms, so no drift), the K drivers spread evenly over one 20 ms period
(calls are not phase-aligned). Lateness of a frame = when it leaves the last node minus its
scheduled send time. Frames not delivered by the end of the drain window count with their
lateness at that moment (a lower bound) and mark the run saturated.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from benchmarks.session import FrameKind, Session, Variant, make_session
from voicegraph.demo.latency_table import percentile
from voicegraph.framework.clock import MonotonicClock

PERIOD_NS = 20_000_000
NODES = 10
LEAD_NS = 100_000_000
"""Time between the last graph started and the first scheduled frame."""


async def _drive(
    session: Session, clock: MonotonicClock, first_ns: int, count: int, stop_ns: int, sched: dict[int, int]
) -> int:
    """Send `count` frames on schedule; returns how many were sent before `stop_ns`."""
    for n in range(count):
        deadline = first_ns + n * PERIOD_NS
        now = time.monotonic_ns()
        if now >= stop_ns:
            return n
        if deadline > now:
            await clock.sleep_until(deadline)
        frame, fid = session.frame(FrameKind.AUDIO)
        sched[fid] = deadline
        await session.push(frame)
    return count


async def realtime(
    variant: str,
    k: int,
    seconds: float,
    drain_s: float,
    gc_callback: Callable[[str, dict[str, Any]], None] | None = None,
    retain_s: float = 0.0,
    shared_timer: bool = True,
) -> dict[str, object]:
    """Run K real-time streams for `seconds`; figures over the streaming window. `gc_callback`
    is in `gc.callbacks` from the first frame to the end (not during the set-up collection).
    `retain_s` > 0 models an application's own state: a small record per delivered frame
    (a list, tracked by the GC) kept for that long in a ring, as a server keeps recent
    transcripts, metrics and events, and each one left as cyclic garbage when it leaves
    the ring, as exceptions and closures leave theirs; 0 (default) keeps nothing. The
    drivers pace on the process's one `PacingTimer` (`shared_timer`, as the framework's
    own loops do) or on an `asyncio.sleep` each (False)."""
    sessions = [make_session(Variant(variant), NODES, name=f"rt{i}") for i in range(k)]
    for s in sessions:
        await s.start()
    sched: dict[int, int] = {}
    late: list[int] = []
    drained = asyncio.Event()
    ring: deque[list[object]] | None = (
        deque(maxlen=max(1, round(k * retain_s * 1e9 / PERIOD_NS))) if retain_s > 0 else None
    )

    def on_exit(fid: int) -> None:
        t = time.monotonic_ns()
        due = sched.pop(fid, None)
        if due is not None:
            late.append(t - due)
            if ring is not None:
                rec: list[object] = [fid, due, t]
                rec.append(rec)  # a cycle: once out of the ring only the collector frees it
                ring.append(rec)
            if not sched:
                drained.set()

    for s in sessions:
        s.probe.on_exit = on_exit
    count = round(seconds * 1e9 / PERIOD_NS)
    clock = MonotonicClock(shared=shared_timer)
    gc.collect()
    if gc_callback is not None:
        gc.callbacks.append(gc_callback)
    t0 = time.monotonic_ns() + LEAD_NS
    stop_ns = t0 + int((seconds + drain_s) * 1e9)
    cpu0, wall0 = time.process_time(), time.monotonic_ns()
    drivers = [
        asyncio.create_task(_drive(s, clock, t0 + i * PERIOD_NS // k, count, stop_ns, sched))
        for i, s in enumerate(sessions)
    ]
    sent = sum(await asyncio.gather(*drivers))
    if sched:
        drained.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(drained.wait(), max(0.0, (stop_ns - time.monotonic_ns()) / 1e9))
    if gc_callback is not None:
        gc.callbacks.remove(gc_callback)
    cpu, wall = time.process_time() - cpu0, (time.monotonic_ns() - wall0 - LEAD_NS) / 1e9
    end = time.monotonic_ns()
    undelivered = [end - due for due in sched.values()]
    missing = k * count - sent
    lat_ms = [v / 1e6 for v in late + undelivered] + [(end - t0) / 1e6] * missing
    delivered = len(late)
    return {
        "k": k,
        "seconds": seconds,
        "pacing": "shared" if shared_timer else "per-sleeper",
        "frames_scheduled": k * count,
        "frames_delivered": delivered,
        "saturated": bool(undelivered or missing),
        "lateness_p50_ms": round(percentile(lat_ms, 50), 3),
        "lateness_p99_ms": round(percentile(lat_ms, 99), 3),
        "lateness_max_ms": round(max(lat_ms), 3) if lat_ms else None,
        "cpu_per_frame_hop_us": round(cpu / max(1, delivered * NODES) * 1e6, 3),
        "cpu_core_fraction": round(cpu / wall, 3) if wall > 0 else None,
    }
