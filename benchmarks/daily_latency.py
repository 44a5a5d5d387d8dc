"""Daily benchmark: voice-to-voice and barge-in through DailyTransport and the SDK stand-in.

Usage: `python -m benchmarks.daily_latency [--turns 3] [--barge-ins 2]` from the repo root.
Prints one JSON object on stdout; progress goes to stderr.

Daily's media servers cannot be reached here: a user of the daily-python stand-in
(tests/fakes/daily_call_client.py, real-time renderers, no codec, no network) talks to
the real voice agent of tests/transports/daily/agent_graphs.py (Silero VAD, silence turn
end, Whisper, scripted agent, eSpeak). So the figures are the graph plus what the
transport adds (20 ms renderer chunks in, the 20 ms pump out), not Daily's network.
`voice_to_voice_ms`: from the end of the user's question to the first loud chunk the
agent writes to the user's track (the first turn includes loading Whisper).
`barge_in`: from the VAD's decision to the clear of the agent's queued audio and to the
last loud chunk of the cut reply (negative: it was written before the decision).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

QUESTION = "What is the weather like tomorrow?"
STOP = "Stop, stop, wait a moment please."


async def _turn(
    user: Any, track: Any, log: Any, daily: Any, *, cut: bool
) -> tuple[int, int | None, int | None]:
    """One question: (voice-to-voice ns, clear ns, last loud ns after the decision if `cut`)."""
    from tests.speech import synthesize
    from tests.transports.daily.agent_graphs import wait_for

    end = user.say(synthesize(QUESTION))
    await wait_for(lambda: track.loud_times(end), 40)
    first = track.loud_times(end)[0]
    clear = last = None
    if cut:
        await wait_for(lambda: len(track.loud_times(end)) >= 25, 40)
        user.say(synthesize(STOP))
        await wait_for(lambda: any(t > first for t in log.decisions_ns), 10)
        decision = next(t for t in log.decisions_ns if t > first)
        await asyncio.sleep(1.0)
        clear = daily.sessions[user.id].pump.last_clear_ns - decision
        last = max(track.loud_times(first)) - decision
    await wait_for(lambda: not track.loud_times(time.monotonic_ns() - 800_000_000), 40)
    await asyncio.sleep(1.0)  # the reply to STOP ("Sorry...") finishes too
    return first - end, clear, last


async def _run(turns: int, barge_ins: int) -> dict[str, Any]:
    from tests.fakes.daily_call_client import FakeDailyServer
    from tests.transports.daily.agent_graphs import LONG_REPLY, SessionLog, voice_agent, wait_for
    from voicegraph.transports.daily import DailyConfig, DailyTransport
    from voicegraph.transports.daily.participant_tracks import track_name

    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room("https://voicegraph.daily.co/bench")
    v2v: list[int] = []
    clears: list[int] = []
    lasts: list[int] = []
    graph = voice_agent(logs, {"weather": LONG_REPLY})
    async with DailyTransport(DailyConfig(room_url=room.url), graph, sdk=server.sdk) as daily:
        user = room.add_user("bench")
        await wait_for(lambda: user.id in daily.sessions, 5)
        track = room.track(track_name(user.id))
        for i in range(turns + barge_ins):
            took, clear, last = await _turn(user, track, logs["bench"], daily, cut=i >= turns)
            v2v.append(took)
            if clear is not None and last is not None:
                clears.append(clear)
                lasts.append(last)
            print(f"turn {i + 1}: {took / 1e6:.0f} ms", file=sys.stderr)
    return {
        "what": "DailyTransport + daily-python stand-in (no network, no codec)",
        "voice_to_voice_ms": _ms(v2v),
        "barge_in": {"clear_ms": _ms(clears), "last_loud_ms": _ms(lasts)},
        "meta": {"turns": turns, "barge_ins": barge_ins, "loadavg": os.getloadavg()},
    }


def _ms(values_ns: list[int]) -> dict[str, Any]:
    ms = [round(v / 1e6, 1) for v in values_ns]
    return {
        "n": len(ms),
        "median": statistics.median(ms) if ms else None,
        "max": max(ms, default=None),
        "values": ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--barge-ins", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(_run(args.turns, args.barge_ins)), indent=2))


if __name__ == "__main__":
    main()
