"""Conversation tests on the virtual clock: how much faster than real time they run.

Typed turns through the stock voice agent cut to text, with the scripted agent waiting
`delay_s` before its first word and 50 ms between words. On the `VirtualClock` that wait
costs no wall time; the same conversation on the real clock (`--real` also runs it, for
the ratio in one run) takes at least `turns * delay_s`. Prints JSON.

    PYTHONPATH=. python benchmarks/evals_speed.py [--turns 20] [--delay-s 1.0] [--real]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from voicegraph.evals import ConversationTest
from voicegraph.graphs.voice_agent import VoiceAgentOptions

REPLY = "Sure, here is what I found for you today."


async def conversation(turns: int, delay_s: float, *, virtual: bool) -> dict[str, float | bool]:
    """Run `turns` typed turns; wall time, virtual time spent, whether the virtual clock ran."""
    params = {"rules": [["ask", REPLY]], "first_token_delay_s": delay_s, "token_delay_s": 0.05}
    options = VoiceAgentOptions(agent="scripted", agent_params=params)
    async with ConversationTest(options=options, clock="virtual" if virtual else "real") as conv:
        t0 = time.perf_counter()
        replied_ms = 0.0
        for i in range(turns):
            turn = await conv.user_says(f"Let me ask you thing number {i}.")
            turn.expect.said("here is what I found")
            replied_ms += turn.timings_ms["reply_ms"]
        wall_s = time.perf_counter() - t0
        spent_s = round(replied_ms / 1000, 3)
        return {"virtual": conv.virtual, "wall_s": round(wall_s, 3), "conversation_s": spent_s}


async def main(turns: int, delay_s: float, real: bool) -> dict[str, object]:
    out: dict[str, object] = {"turns": turns, "first_token_delay_s": delay_s}
    fast = await conversation(turns, delay_s, virtual=True)
    out["virtual_clock"] = fast
    wall = max(float(fast["wall_s"]), 1e-6)
    out["speed_up_vs_conversation_time"] = round(float(fast["conversation_s"]) / wall, 1)
    if real:
        slow = await conversation(turns, delay_s, virtual=False)
        out["real_clock"] = slow
        out["speed_up_vs_real_clock_run"] = round(float(slow["wall_s"]) / wall, 1)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--delay-s", type=float, default=1.0)
    parser.add_argument("--real", action="store_true", help="also run on the real clock (slow)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.turns, args.delay_s, args.real)), indent=2))
