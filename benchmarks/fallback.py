"""Time to switch engines in a fallback chain: the fault detected -> the first frame of
the next engine leaving the chain, per slot and fault kind.

    PYTHONPATH=. python benchmarks/fallback.py [--trials 10]

TTS: Cartesia (the local fake) then eSpeak; LLM: the OpenAI-compatible node (the local
fake) then a scripted agent. Faults: `refuse` (the connection is refused: Cartesia 503
handshake after a dropped socket, the LLM connection closed before any response),
`stall` (no data; detected after `attempt_timeout_s` = 0.5 s, which is not counted),
`error_500` (Cartesia: a 500 error event mid-reply; LLM: HTTP 500). Each trial is a fresh
graph. `switch_ms` comes from `FallbackNode.switch_ms`: from the failure's detection (the
error or the timeout) through flushing the failed engine and replaying the turn to the
first frame of the next engine; `reply_ms` is the whole reply (start to end frame), for
scale. Prints
JSON: p50/p95/max per slot and fault.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from tests.fakes.cartesia_server import FakeCartesia
from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from voicegraph.demo.latency_table import percentile
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import (
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    SentenceFrame,
)
from voicegraph.processors.agent import LLMNode, ScriptedAgent
from voicegraph.processors.fallback import FallbackLLM, FallbackNode, FallbackTTS
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS
from voicegraph.processors.tts.espeak_tts import EspeakTTS

OPTIONS: dict[str, Any] = {"attempt_timeout_s": 0.5, "probe_interval_s": 60.0, "max_probe_interval_s": 60.0}


def stats(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "max_ms": round(max(ms), 2) if ms else 0.0,
    }


async def _run(node: FallbackNode, frames: list[Any]) -> tuple[float, float]:
    async with Runtime(Graph.chain(node)) as rt:
        done = asyncio.Event()
        rt.on_output(lambda f, _: done.set() if isinstance(f, LLMResponseEndFrame) else None)
        t0 = time.perf_counter()
        for f in frames:
            await rt.push(f)
        async with asyncio.timeout(30):
            await done.wait()
        total = (time.perf_counter() - t0) * 1000
    if not node.switch_ms:
        raise RuntimeError(f"{node.name}: no switch happened")
    return node.switch_ms[0], total


async def tts_trial(fault: str) -> tuple[float, float]:
    async with FakeCartesia() as fake:
        tts = FallbackTTS(
            engines=[CartesiaTTS(base_url=fake.ws_url, sample_rate=22050), EspeakTTS()], **OPTIONS
        )
        reply = [LLMResponseStartFrame(), SentenceFrame(text="Your table is booked for seven."),
                 SentenceFrame(text="See you tonight."), LLMResponseEndFrame()]  # fmt: skip
        if fault == "refuse":
            return await _refuse_mid_session(fake, tts, reply)
        if fault == "stall":
            fake.faults.stall_s = 30.0
        if fault == "error_500":
            fake.faults.fail_after_chunks = 2
        return await _run(tts, reply)


async def _refuse_mid_session(fake: FakeCartesia, tts: FallbackTTS, reply: list[Any]) -> tuple[float, float]:
    async with Runtime(Graph.chain(tts)) as rt:
        done = asyncio.Event()
        rt.on_output(lambda f, _: done.set() if isinstance(f, LLMResponseEndFrame) else None)
        await asyncio.sleep(0.1)  # warm socket open
        fake.faults.refuse_status = 503
        fake.drop()
        await asyncio.sleep(0.1)
        t0 = time.perf_counter()
        for f in reply:
            await rt.push(f)
        async with asyncio.timeout(30):
            await done.wait()
        total = (time.perf_counter() - t0) * 1000
    return tts.switch_ms[0], total


async def llm_trial(fault: str) -> tuple[float, float]:
    reply = {
        "refuse": FakeReply(drop_before_response=True),
        "stall": FakeReply(texts=("late",), first_delay_s=30.0),
        "error_500": FakeReply(status=500),
    }[fault]
    async with FakeOpenAIChatServer(api_key="sk") as srv:
        srv.script(reply)
        remote = LLMNode(base_url=srv.base_url, model="m", api_key="sk", retry={"max_attempts": 1})
        llm = FallbackLLM(engines=[remote, ScriptedAgent(default="Here is the backup answer.")], **OPTIONS)
        ask = LLMMessagesFrame(messages=({"role": "user", "content": "hello?"},))
        return await _run(llm, [ask])


async def main(trials: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for slot, trial in (("tts", tts_trial), ("llm", llm_trial)):
        for fault in ("refuse", "stall", "error_500"):
            switch, rest = [], []
            for _ in range(trials):
                s, r = await trial(fault)
                switch.append(s)
                rest.append(r)
            results[f"{slot}.{fault}"] = {"switch_ms": stats(switch), "reply_ms": stats(rest)}
    return results


if __name__ == "__main__":
    os.environ.setdefault("CARTESIA_API_KEY", "sk_car_fake_test_key")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    print(
        json.dumps(
            {"benchmark": "fallback", "trials": args.trials, **asyncio.run(main(args.trials))}, indent=2
        )
    )
