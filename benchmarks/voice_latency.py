"""Voice-to-voice latency of the stock voice agent on the local engines, stage by stage, beside Pipecat.

    python -m benchmarks.voice_latency            # 10 turns per side and configuration
    python -m benchmarks.voice_latency --quick    # CI smoke: 2 turns each
    python -m benchmarks.voice_latency --no-pipecat --no-plots   # voicegraph only, no PNGs
    python -m benchmarks.voice_latency --configs whisper/piper --turns 30 --out voice.json
    python -m benchmarks.voice_latency --set agent.threads=1   # any node parameter

A scripted caller (Piper, deterministic) asks one short question per turn, played in real
time into a MemoryTransport; the stock graph answers with Silero VAD, the STT under test,
SmolLM2-135M (llama.cpp), the TTS under test and paced playout. Times come from link observers and
bus metrics (no code inside processors). Per stage p50/p95 in ms; JSON on stdout,
progress on stderr. Absolute figures depend on the machine's load (`meta.loadavg_*`).

`versus`: the same engines (Silero, Whisper tiny.en, SmolLM2, Piper joe) in voicegraph's
stock graph and in a Pipecat 1.x pipeline (`voice_latency_pipecat`), alternating rounds in
one run (`voice_latency_versus`); p50/p95 voice-to-voice of both and their ratio.
Pictures (`--plots DIR`, `--no-plots`): a waterfall PNG per run and a comparison chart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from voicegraph.demo.caller_line import CallerLine
from voicegraph.demo.latency_table import percentile
from voicegraph.demo.offline_conversation import OfflineConversation
from voicegraph.graphs.voice_agent import SttChoice, TtsChoice, VoiceAgentOptions

if TYPE_CHECKING:
    from voicegraph.demo.request_timing import RequestTiming

QUESTIONS = (
    "What is the capital of France?", "How far away is the moon?", "Why is the sky blue?",
    "How many legs does a spider have?", "What should I cook for dinner tonight?",
    "Can you tell me a short joke?", "What is the tallest mountain in the world?",
    "How do airplanes stay in the air?", "Who wrote Romeo and Juliet?",
    "How many days are in a leap year?", "What is the boiling point of water?",
    "Can you recommend a good movie?", "What is the largest ocean on Earth?",
    "How do bees make honey?", "What language is spoken in Brazil?",
    "How many players are on a soccer team?", "What is the speed of light?",
    "Why do cats purr?", "What is the smallest planet in our solar system?",
    "How long does it take to boil an egg?", "What is the main ingredient of guacamole?",
    "Where do penguins live?",
)  # fmt: skip
"""Single-clause questions: no pause inside a line, so each line is one turn."""

CONFIGS = ("whisper/piper", "pocketsphinx/espeak")
"""STT/TTS pairs run by default (voicegraph only): the anchor's engines, and the light pair."""
TARGETS = {"whisper": 800.0, "pocketsphinx": 500.0, "pocketsphinx/espeak": 350.0}
"""Voice-to-voice p50 targets (ms), endpointing delay included (by config, else by STT)."""
OVERHEAD_P95_MS = 3.0
ANCHOR = {"framework": "pipecat 1.14.0", "voice_to_voice_p50_ms": 1261.0, "voice_to_voice_p95_ms": 1391.0}
"""Pipecat on the same engines (Silero 0.2 s stop, Whisper tiny.en, SmolLM2, Piper), no playout."""


def _stage_values(turn: RequestTiming) -> dict[str, float | None]:
    ms = turn.since_speech_end
    tts_own = (
        (turn.tts_audio_ns - turn.first_sentence_ns) / 1e6
        if turn.tts_audio_ns and turn.first_sentence_ns
        else None
    )
    piece = (
        (turn.first_sentence_ns - turn.first_token_ns) / 1e6
        if turn.first_sentence_ns and turn.first_token_ns
        else None
    )
    return {
        "vad_stop_delay": ms(turn.vad_stop_ns),
        "turn_end_delay": ms(turn.turn_end_ns),
        "stt_final_after_speech_end": ms(turn.transcript_ns),
        "stt_compute": turn.stt_compute_ms,
        "llm_ttft": turn.llm_ttft_ms,
        "llm_first_token_after_speech_end": ms(turn.first_token_ns),
        "first_piece_tokens": piece,
        "tts_first_audio": tts_own,
        "tts_engine_ttfb": turn.tts_ttfb_ms,
        "tts_first_audio_after_speech_end": ms(turn.tts_audio_ns),
        "voice_to_voice": turn.voice_to_voice_ms,
        "engine_and_endpointing": turn.engine_ms(),
        "framework_overhead": turn.overhead_ms,
    }  # fmt: skip


def _summary(values: list[float]) -> dict[str, float]:
    def r(x: float) -> float:
        return round(x, 2) if not math.isnan(x) else x

    return {
        "n": len(values),
        "p50": r(percentile(values, 50)),
        "p95": r(percentile(values, 95)),
        "min": r(min(values)) if values else math.nan,
        "max": r(max(values)) if values else math.nan,
    }


def _clean(turn: RequestTiming) -> bool:
    return turn.speech_end_source == "caller" and bool(turn.audio_out_ns) and not turn.interrupted


def _overrides(pairs: list[str]) -> dict[str, dict[str, Any]]:
    """`node.param=value` pairs (value as JSON, else a string) as per-node params."""
    out: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        node, _, param = key.partition(".")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(node, {})[param] = value
    return out


async def _run_config(
    stt: SttChoice, tts: TtsChoice, turns: int, max_tokens: int, params: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    lines = [CallerLine(q, pause_s=0.6) for q in (QUESTIONS * 3)[:turns]]
    options = VoiceAgentOptions(
        stt=stt,
        tts=tts,
        agent="local",
        agent_params={"params": {"max_tokens": max_tokens}},
        params=params,
    )
    t0 = time.perf_counter()
    result = await OfflineConversation(options, lines=lines).run()
    clean = [t for t in result.turns if _clean(t)]
    series: dict[str, list[float]] = {}
    for t in clean:
        for key, value in _stage_values(t).items():
            if value is not None:
                series.setdefault(key, []).append(value)
    spec = result.graph
    vad = spec.processors["vad"]
    turn_node = spec.processors["turn"]
    return {
        "lines": len(lines),
        "turns": len(result.turns),
        "clean_turns": len(clean),
        "excluded": [
            {"turn": t.index, "user": t.user_text, "interrupted": t.interrupted}
            for t in result.turns
            if not _clean(t)
        ],
        "config": {
            "vad_stop_secs": getattr(getattr(vad, "params", None), "stop_secs", None),
            "turn_delay_s": getattr(turn_node, "min_delay", None),
            "max_tokens": max_tokens,
        },
        "stages_ms": {k: _summary(v) for k, v in series.items()},
        "per_turn": [
            {
                "turn": t.index,
                "user": t.user_text,
                "bot": t.bot_text[:80],
                **{k: (round(v, 1) if v is not None else None) for k, v in _stage_values(t).items()},
            }
            for t in result.turns
        ],
        "engines_ready_ms": round(result.start_ms, 1),
        "wall_s": round(time.perf_counter() - t0, 1),
        "errors": result.errors,
    }


def _targets(runs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for name, run in runs.items():
        target = TARGETS.get(name, TARGETS.get(name.split("/")[0]))
        stages = run.get("stages_ms", {})
        v2v = stages.get("voice_to_voice", {}).get("p50", math.nan)
        over = stages.get("framework_overhead", {}).get("p95", math.nan)
        if target is not None:
            out.append(
                {
                    "name": f"{name}: voice-to-voice p50 ms",
                    "value": v2v,
                    "target": target,
                    "met": v2v <= target,
                }
            )
        out.append(
            {
                "name": f"{name}: framework overhead p95 ms",
                "value": over,
                "target": OVERHEAD_P95_MS,
                "met": over <= OVERHEAD_P95_MS,
            }
        )
    return out


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, dict[str, Any]] = {}
    for name in filter(None, args.configs.split(",")):  # --configs "": the versus run only
        stt, _, tts = name.partition("/")
        if stt not in TARGETS or tts not in ("piper", "espeak"):
            runs[name] = {"error": f"unknown configuration {name!r} (stt/tts)"}
            continue
        print(f"voice_latency: {name}, {args.turns} turns...", file=sys.stderr, flush=True)
        try:
            params = _overrides(args.set)
            runs[name] = await _run_config(
                cast("SttChoice", stt), cast("TtsChoice", tts), args.turns, args.max_tokens, params
            )
        except Exception as exc:  # one failing engine must not hide the other's figures
            runs[name] = {"error": repr(exc)}
        v2v = runs[name].get("stages_ms", {}).get("voice_to_voice", {})
        print(f"voice_latency: {name}: voice-to-voice {v2v}", file=sys.stderr, flush=True)
    report: dict[str, Any] = {
        "runs": runs,
        "targets": _targets(runs),
        "anchor": ANCHOR,
        "overrides": args.set,
    }
    if not args.no_pipecat:
        from benchmarks.voice_latency_versus import run_versus

        try:
            report["versus"] = await run_versus(QUESTIONS, args.turns, max_tokens=args.max_tokens)
        except Exception as exc:  # the voicegraph figures above still print
            report["versus"] = {"error": repr(exc)}
        print(f"voice_latency: versus pipecat: {report['versus'].get('ratio')}", file=sys.stderr, flush=True)
    if not args.no_plots:
        from benchmarks.voice_latency_plots import write_plots

        report["plots"] = write_plots(report, Path(args.plots))
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the JSON."""
    p = argparse.ArgumentParser(prog="benchmarks.voice_latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="2 turns per configuration (CI smoke)")
    p.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated stt/tts pairs")
    p.add_argument("--turns", type=int, default=10, help="turns per configuration and per versus side")
    p.add_argument("--no-pipecat", action="store_true", help="skip the side-by-side run with Pipecat")
    p.add_argument("--plots", default="benchmarks/results/voice_latency", help="folder for the PNGs")
    p.add_argument("--no-plots", action="store_true", help="write no pictures")
    p.add_argument(
        "--max-tokens", type=int, default=40, help="reply length cap (does not change first audio)"
    )
    p.add_argument("--out", help="also write the JSON here")
    p.add_argument("--set", action="append", default=[], help="node.param=value override (repeatable)")
    args = p.parse_args(argv)
    if args.quick:
        args.turns = min(args.turns, 2)
    meta = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "python": platform.python_version(),
        "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(), "quick": args.quick,
    }  # fmt: skip
    report = asyncio.run(_main(args))
    meta["loadavg_end"] = os.getloadavg()
    text = json.dumps({"meta": meta, **report}, indent=2, default=str)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
