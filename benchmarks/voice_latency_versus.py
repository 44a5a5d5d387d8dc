"""Voice-to-voice, voicegraph against Pipecat on the same engines, alternating in one run.

Rounds: each round plays the same few caller lines to a fresh voicegraph session (stock
graph, Whisper tiny.en + Piper joe, SmolLM2) and to a fresh Pipecat session
(`voice_latency_pipecat`), one after the other, the first side alternating from round to
round, so both see the same machine load over the run. Every session
starts with one warm-up line that is not counted (Pipecat's Whisper loads its model on the
first transcription; voicegraph warms its engines at start), so each side is measured warm.
Voice-to-voice on both sides: the push of the caller chunk holding its last speech sample
-> the first bot audio frame starting to play at a real-time output.
"""

from __future__ import annotations

import asyncio
import math
import sys
from typing import TYPE_CHECKING, Any

from voicegraph.demo.caller_line import CallerLine
from voicegraph.demo.caller_voice import CallerVoice
from voicegraph.demo.latency_table import percentile
from voicegraph.demo.offline_conversation import OfflineConversation
from voicegraph.graphs.voice_agent import VoiceAgentOptions, voice_agent_spec
from voicegraph.processors.agent.local_llm_server import LocalLLMServer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.demo.request_timing import RequestTiming

WARMUP_LINE = "Hello, can you hear me?"
GOAL_RATIO = 0.5
"""voicegraph p50 <= 0.5x Pipecat p50 (issue 19)."""


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
    }


def _stock_agent() -> tuple[str, dict[str, Any]]:
    """The stock graph's system prompt and agent params (the Pipecat side copies them)."""
    spec = voice_agent_spec(VoiceAgentOptions(stt="whisper", tts="piper", agent="local"), None)
    nodes = {n.id: n for n in spec.nodes}
    return str(nodes["user_context"].params["system_prompt"]), dict(nodes["agent"].params)


async def _voicegraph_round(lines: Sequence[str], max_tokens: int) -> list[dict[str, Any]]:
    options = VoiceAgentOptions(
        stt="whisper", tts="piper", agent="local", agent_params={"params": {"max_tokens": max_tokens}}
    )
    script = [CallerLine(q, pause_s=0.6) for q in (WARMUP_LINE, *lines)]
    result = await OfflineConversation(options, lines=script).run()
    by_line: dict[int, list[RequestTiming]] = {}
    for t in result.turns:  # a line the agent asked about twice (a rejoined turn) counts once
        if t.speech_end_source == "caller" and t.speech_end_ns and t.audio_out_ns and not t.interrupted:
            by_line.setdefault(t.speech_end_ns, []).append(t)
    firsts = [min(by_line[end], key=lambda r: r.audio_out_ns) for end in sorted(by_line)]
    return [{"user": t.user_text, **t.stages()} for t in firsts[1:]]  # [0]: the warm-up line


async def _pipecat_round(
    lines: Sequence[str], voice: CallerVoice, server: LocalLLMServer, prompt: str, max_tokens: int
) -> list[dict[str, Any]]:
    from benchmarks.voice_latency_pipecat import PipecatVoiceBot

    bot = PipecatVoiceBot(
        base_url=server.base_url, model=server.model, system_prompt=prompt, max_tokens=max_tokens
    )
    await bot.start()
    try:
        await bot.say(WARMUP_LINE, voice.speak(WARMUP_LINE), pause_s=0.6, timeout_s=10.0)
        turns = [await bot.say(q, voice.speak(q), pause_s=0.6, timeout_s=10.0) for q in lines]
    finally:
        await bot.stop()
    return [{"user": t.user, **t.stages} for t in turns if t.voice_to_voice is not None]


async def run_versus(
    questions: Sequence[str], turns: int, *, block: int = 2, max_tokens: int = 40
) -> dict[str, Any]:
    """Alternate rounds of `block` lines between the two sides until each has had `turns`.

    Returns:
        per side: voice-to-voice summary, per-stage p50s, per-turn stages; and the ratio.
    """
    prompt, agent = _stock_agent()
    server = await asyncio.to_thread(
        LocalLLMServer.acquire, threads=int(agent.get("threads", 2)), batch_threads=agent.get("batch_threads")
    )  # the server the stock graph's agent uses: one llama.cpp, warm, for both sides
    voice = CallerVoice()
    sides: dict[str, list[dict[str, Any]]] = {"voicegraph": [], "pipecat": []}
    errors: list[str] = []
    pool = list(questions)
    for start in range(0, turns, block):
        lines = [pool[(start + i) % len(pool)] for i in range(min(block, turns - start))]
        print(f"voice_latency: round {start // block + 1}: {lines}", file=sys.stderr, flush=True)
        order = ("voicegraph", "pipecat") if (start // block) % 2 == 0 else ("pipecat", "voicegraph")
        try:  # which side goes first alternates too: neither always follows the other's load
            for side in order:
                if side == "voicegraph":
                    sides[side] += await _voicegraph_round(lines, max_tokens)
                else:
                    sides[side] += await _pipecat_round(lines, voice, server, prompt, max_tokens)
        except Exception as exc:  # one failing round must not hide the others' figures
            errors.append(repr(exc))
    return _report(sides, errors, max_tokens)


def _report(sides: dict[str, list[dict[str, Any]]], errors: list[str], max_tokens: int) -> dict[str, Any]:
    out: dict[str, Any] = {"max_tokens": max_tokens, "errors": errors, "sides": {}}
    for name, turns in sides.items():
        stage_names = [k for k in (turns[0] if turns else {}) if k not in ("user", "agent_request")]
        stages = {s: _summary([v for t in turns if (v := t.get(s)) is not None]) for s in stage_names}
        v2v = [v for t in turns if (v := t.get("first_audio_out")) is not None]
        out["sides"][name] = {
            "voice_to_voice_ms": _summary(v2v),
            "stages_ms": stages,
            "per_turn": [
                {k: (round(v, 1) if isinstance(v, float) else v) for k, v in t.items()} for t in turns
            ],
        }
    vg = out["sides"]["voicegraph"]["voice_to_voice_ms"]
    pc = out["sides"]["pipecat"]["voice_to_voice_ms"]
    ratio_p50 = vg["p50"] / pc["p50"] if pc["p50"] and not math.isnan(pc["p50"]) else math.nan
    out["ratio"] = {
        "p50": round(ratio_p50, 3),
        "p95": round(vg["p95"] / pc["p95"], 3) if pc["p95"] and not math.isnan(pc["p95"]) else math.nan,
        "goal_p50": GOAL_RATIO,
        "met": bool(ratio_p50 <= GOAL_RATIO),
    }
    return out
