"""Simulated calls through the fault proxy, and forced-drop recovery per transport.

    PYTHONPATH=. python benchmarks/faults.py [--calls 200] [--turns 3] [--rate 0.05] [--drops 20]

Calls: `--calls` raw-PCM WebSocket calls (`--concurrency` at a time) to one
`WebSocketTransport` (resume grace 5 s) through a `WebSocketFaultProxy` that faults
`--rate` of all operations (each message either way and each connect): drop, truncate,
reorder, delay (0.3 s), stall (`--stall-s`, 2 s) or cut the connection (no close frame); refused or
delayed connects. Each call types `--turns` words; the bot (eSpeak) answers "You said
<word>." and a turn counts as answered when the client gets the final `bot_text` holding
the word. The client resumes a dropped session with its token and re-sends a turn after
4 s without any message from the server or after a coded error (interrupting the bot
first); a turn not answered within `--bound-s` (15 s) is a failure with the client-side code `timeout`.

Recovery: `--drops` forced drops (`cut_all`, both legs, no close frame) for the raw
WebSocket protocol (the client resumes the same session: time from the cut to the
`started` message with `resumed: true`, then a turn must be answered) and for Twilio
Media Streams (no resume in that protocol: the server must end the dropped session, and
a new stream must get bot audio; times for both), and for LiveKit (`--livekit-drops`:
the agent's signalling link to a real livekit-server is cut; the SDK resumes it, then a
data message must be answered by the same session), and for WebRTC (`benchmarks/webrtc_drops.py`
in a loopback-only network namespace: the peer connection is closed or its ICE sockets
cut, without a hang-up; a new peer connection offers the resume token and must continue
the same session, then a turn must be answered with the earlier turns in context).

Prints one JSON object. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from typing import Any

import anyio

from tests.faults.twilio_calls import echo_twilio_call_recovery
from tests.faults.ws_calls import WORDS, RecordingRunner, SimulatedCall, ms_stats
from voicegraph.testing import Fault, FaultSchedule, WebSocketFaultProxy
from voicegraph.transports.websocket_transport import WebSocketTransport

MESSAGE_FAULTS = (Fault.DROP, Fault.TRUNCATE, Fault.REORDER, Fault.DELAY, Fault.STALL, Fault.CLOSE)
CONNECT_FAULTS = (Fault.REFUSE, Fault.DELAY)


async def run_calls(args: argparse.Namespace) -> dict[str, Any]:
    calls, turns, rate, concurrency, seed = args.calls, args.turns, args.rate, args.concurrency, args.seed
    schedule = FaultSchedule.uniform(
        rate,
        {"message": MESSAGE_FAULTS, "connect": CONNECT_FAULTS},
        seed=seed,
        delay_s=0.3,
        stall_s=args.stall_s,
    )
    runner = RecordingRunner()
    done: list[SimulatedCall] = []
    limit = anyio.Semaphore(concurrency)
    t0 = time.perf_counter()
    async with (
        WebSocketTransport(session_runner=runner, resume_grace_s=5.0) as transport,
        WebSocketFaultProxy(f"ws://127.0.0.1:{transport.port}", schedule=schedule) as proxy,
    ):

        async def one(i: int) -> None:
            async with limit:
                call = SimulatedCall(proxy.url, turn_bound_s=args.bound_s)
                for k in range(turns):
                    await call.ask(WORDS[(i + k) % len(WORDS)])
                await call.hang_up()
                done.append(call)

        async with anyio.create_task_group() as tg:
            for i in range(calls):
                tg.start_soon(one, i)
        with anyio.move_on_after(10):
            while transport.sessions:  # noqa: ASYNC110 - sessions end within the resume grace
                await anyio.sleep(0.05)
        left = len(transport.sessions)
    return summary(args, done, runner, schedule, left, time.perf_counter() - t0)


def summary(
    args: argparse.Namespace,
    done: list[SimulatedCall],
    runner: RecordingRunner,
    schedule: FaultSchedule,
    left: int,
    wall_s: float,
) -> dict[str, Any]:
    """The calls' figures: turns answered, failures by code, turn times, faults injected."""
    calls, turns = args.calls, args.turns
    asked = calls * turns
    answered = sum(c.answered for c in done)
    failures = Counter(code for c in done for code in c.failures)
    turn_times = [t for c in done for t in c.turn_times]
    seen = schedule.seen["message"] + schedule.seen["connect"]
    bus = Counter(code for codes in runner.records.values() for code in codes)
    return {
        "calls": calls,
        "turns_asked": asked,
        "turns_answered": answered,
        "answered_pct": round(100 * answered / asked, 2),
        "unanswered_by_code": dict(failures),
        "uncoded_failures": asked - answered - sum(failures.values()),
        "server_error_messages_by_code": dict(Counter(code for c in done for code in c.server_errors)),
        "bus_errors_by_code": dict(bus),
        "sessions": len(runner.records),
        "sessions_left_running": left,
        "attempt_outcomes": dict(sum((c.attempts for c in done), Counter())),
        "reconnects": sum(c.reconnects for c in done),
        "resumed": sum(c.resumed for c in done),
        "turn_time": ms_stats(turn_times),
        "turn_bound_s": args.bound_s,
        "stall_s": args.stall_s,
        "operations": dict(schedule.seen),
        "faults_injected": dict(schedule.injected),
        "faulted_pct": round(100 * schedule.total_injected / max(1, seen), 2),
        "wall_s": round(wall_s, 1),
    }


async def websocket_recovery(drops: int) -> dict[str, Any]:
    """Forced drops of a raw-PCM session: does the client resume it, how fast, does a turn follow."""
    resumed, answered, resume_s = 0, 0, []
    async with (
        WebSocketTransport(session_runner=RecordingRunner(), resume_grace_s=5.0) as transport,
        WebSocketFaultProxy(f"ws://127.0.0.1:{transport.port}") as proxy,
    ):
        call = SimulatedCall(proxy.url)
        await call.ask(WORDS[0])
        for k in range(drops):
            proxy.cut_all()
            t0 = time.perf_counter()
            if await call.recover():
                resumed += 1
                resume_s.append(time.perf_counter() - t0)
            answered += await call.ask(WORDS[(k + 1) % len(WORDS)])
        await call.hang_up()
    return {
        "drops": drops,
        "resumed_same_session": resumed,
        "sessions": len(call.session_ids),
        "turn_answered_after": answered,
        "time_to_resume": ms_stats(resume_s),
    }


def livekit_recovery(drops: int) -> dict[str, Any]:
    """Signalling drops against a real livekit-server, in a network namespace of our own."""
    import warnings

    from tests.faults.livekit_drops import livekit_drop_recovery
    from tests.livekit_server import LiveKitServer, PrivateNetns, find_or_build_binary

    warnings.filterwarnings("ignore", message="The HMAC key is .* bytes long")  # the --dev secret
    netns = PrivateNetns.create_if_possible()
    server = LiveKitServer(binary=find_or_build_binary(), netns=netns)
    try:
        server.start()
        with server.network():  # before the SDK starts: its threads inherit the namespace
            return asyncio.run(livekit_drop_recovery(server, drops, "bench-faults"))
    finally:
        server.stop()
        if netns is not None:
            netns.delete()


def webrtc_recovery(drops: int) -> dict[str, Any]:
    """Forced WebRTC drops, resumed by a new peer connection (see benchmarks/webrtc_drops.py)."""
    from tests.transports.webrtc.netns import run_in_loopback_netns

    return run_in_loopback_netns("benchmarks.webrtc_drops", "--drops", str(drops), timeout=60 + 10 * drops)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--rate", type=float, default=0.05)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--drops", type=int, default=20)
    ap.add_argument("--livekit-drops", type=int, default=20, help="0: skip (needs livekit-server)")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--stall-s", type=float, default=2.0, help="length of a stall fault")
    ap.add_argument("--bound-s", type=float, default=15.0, help="a turn not answered by then fails")
    args = ap.parse_args()
    out: dict[str, Any] = {"meta": {"args": vars(args), "loadavg_start": os.getloadavg()[0]}}
    print(f"calls: {args.calls} x {args.turns} turns at {args.rate:.0%} faults", file=sys.stderr)
    out["calls"] = asyncio.run(run_calls(args))
    print("recovery: websocket", file=sys.stderr)
    out["recovery_websocket"] = asyncio.run(websocket_recovery(args.drops))
    print("recovery: twilio", file=sys.stderr)
    out["recovery_twilio"] = asyncio.run(echo_twilio_call_recovery(args.drops))
    print("recovery: webrtc", file=sys.stderr)
    out["recovery_webrtc"] = webrtc_recovery(args.drops)
    if args.livekit_drops:
        print("recovery: livekit", file=sys.stderr)
        out["recovery_livekit"] = livekit_recovery(args.livekit_drops)
    out["meta"]["loadavg_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
