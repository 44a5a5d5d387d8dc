"""A conversation test (eval): drive the stock voice agent with typed user turns and check
what it did, as you would in pytest.

Shows: `ConversationTest` on the stock graph cut to text (the scripted agent here, so
the replies are known; on the `VirtualClock` a scripted 1 s wait costs no wall time),
expectations in order (`said`, `within`), a failing expectation and what it prints, and
the same checks as a YAML scenario run by `voicegraph test` (with a JUnit XML for CI).
In pytest, drop the try/except: a failed expectation is an `AssertionError`.

Run:  python examples/conversation_test.py         (--smoke: the same; it takes ~2 s)
      voicegraph test examples/conversation_scenarios.yaml --junit report.xml
"""

from __future__ import annotations

import argparse
import asyncio
import time

from voicegraph.evals import ConversationTest, ExpectationError
from voicegraph.graphs.voice_agent import VoiceAgentOptions

RULES = [["name", "My name is Vee. I am a voice agent."], ["hours", "We are open from nine to five."]]


async def main() -> None:
    params = {"rules": RULES, "first_token_delay_s": 1.0}
    options = VoiceAgentOptions(agent="scripted", agent_params=params)
    t0 = time.perf_counter()
    async with ConversationTest(options=options) as conv:
        turn = await conv.user_says("What is your name?")
        turn.expect.said(r"\bVee\b").said("voice agent").within(first_text_ms=1000)
        hours = await conv.user_says("What are your hours?")
        hours.expect.said("nine").said("five")
    print(f"virtual clock: {conv.virtual}, 2 turns with 1 s waits in {time.perf_counter() - t0:.2f} s wall")
    for check in [*turn.expect.checks, *hours.expect.checks]:
        print(f"PASS {check.name}" if check.passed else f"FAIL {check.name}")
    try:
        hours.expect.said("midnight")
    except ExpectationError as failure:
        print("expected failure:", str(failure).splitlines()[0])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="a conversation test on the stock agent")
    parser.add_argument("--smoke", action="store_true", help="the same run (it is already short)")
    parser.parse_args()
    asyncio.run(main())
