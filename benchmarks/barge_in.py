"""Barge-in onset: a short first word caught wherever it falls, and false starts on noise.

Issue 12, cause 5. While the bot speaks, the caller says a short word ("Wait", "Stop",
"No", "Hey", "Hold on", "Sorry"; Piper and eSpeak, two speeds each) then "stop" 0.3 s
later, at many sub-window offsets against Silero's 32 ms windows, over digital silence
and over low-level white noise (-50 dBFS). Fifteen non-speech clips (clicks, thump,
hum, buzz, white/pink/brown bursts, breath-like bands, beep, hiss, rustle) are played
the same way. Both rules run in one process on the same audio:

- `before`: rule "stock" (speech windows adding up to start_secs 0.2 s);
- `after`: rule "fast" (one 32 ms speech window of confidence >= 0.9 rising 12 dB over
  the noise floor).

Figures: `caught_ratio` (first word starts the user before the next word begins),
`first_word_cut_ms` (word onset to the start decision, caught words only),
`cut_ms` (word onset to the first start, whichever word caused it: a miss shows up as
a cut on the next word), and `false_starts` on the noise clips. `backchannels` ("Mm-hmm",
"Uh-huh", "Yeah", "Okay" alone) counts the starts they cause, for information: they are
speech, and neither rule tells them from a barge-in. `other_engines` repeats words and
noises with the webrtc and energy engines at 4 offsets: they take noise for speech, so
the VAD node keeps the stock rule for them by default. Times are stream time
(audio analyzed), so they do not depend on the machine's load; add up to one 20 ms
transport chunk and the output's one 20 ms playout chunk for what a caller hears.

    python -m benchmarks.barge_in            # ~1 min on 2 cores; JSON on stdout
    python -m benchmarks.barge_in --quick    # 4 offsets instead of 16
    python -m benchmarks.barge_in --sweep    # also the fast rule at SWEEP's points

The JSON also goes to benchmarks/results/barge-in.json (`--out ''` to skip).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.stats import percentile
from tests.processors.vad.barge_in_set import (
    BACKCHANNELS,
    RATE,
    Clip,
    barge_words,
    followed_by,
    noise_clips,
    scene,
)
from voicegraph.processors.vad.barge_in_onset import BargeInParams, BargeInRule
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.processors.vad.vad_engine import create_vad_engine
from voicegraph.processors.vad.vad_stream import VADStream

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

RULES: dict[str, BargeInRule] = {"before": "stock", "after": "fast"}
VAD = VADParams(start_secs=0.2, stop_secs=0.1)
"""The stock voice agent's VAD timings (voice_agent.yaml)."""
BACKGROUNDS = {"silence": 0.0, "noise_-50dBFS": 100.0}
"""Background name -> white noise RMS in int16 units."""
GAP_S = 0.3
"""Pause between the first word and "stop"."""
STEP = RATE // 50
OTHER_ENGINES = ("webrtc", "energy")
OUT = Path(__file__).with_name("results") / "barge-in.json"


def start_times(
    pcm: NDArray[np.int16], rule: BargeInRule, engine: str, fast: BargeInParams | None = None
) -> list[float]:
    """Stream times (s) of the user starts while the bot speaks, pushed in 20 ms chunks.

    `fast`: the fast rule's params (default: `BargeInParams()`); `rule` overrides its rule.
    """
    barge = dataclasses.replace(fast or BargeInParams(), rule=rule)
    stream = VADStream(create_vad_engine(engine, RATE), VAD, barge=barge)
    stream.analyzer.bot_speaking = True
    out: list[float] = []
    for i in range(0, pcm.size, STEP):
        out += [e.at_ns / 1e9 for e in stream.push(pcm[i : i + STEP]) if e.speaking]
    return out


def _ms(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "max": round(max(values), 1),
    }


def word_trials(
    rule: BargeInRule, offsets: list[int], engine: str = "silero", fast: BargeInParams | None = None
) -> dict[str, Any]:
    """Every word, offset and background: caught or not, and when the cut came."""
    stop = next(w for w in barge_words() if w.label == "piper/1.0/Stop")
    caught_ms: list[float] = []
    cut_ms: list[float] = []
    missed: Counter[str] = Counter()
    caught_by_bg: Counter[str] = Counter()
    trials = 0
    for word in barge_words():
        for bg, rms in BACKGROUNDS.items():
            for offset in offsets:
                pcm, onset, next_word = followed_by(
                    word, stop, offset_ms=offset, gap_s=GAP_S, background_rms=rms
                )
                starts = start_times(pcm, rule, engine, fast)
                trials += 1
                if starts:
                    cut_ms.append((starts[0] - onset) * 1000)
                if starts and starts[0] < next_word:
                    caught_ms.append((starts[0] - onset) * 1000)
                    caught_by_bg[bg] += 1
                else:
                    missed[word.label] += 1
    per_bg = trials // len(BACKGROUNDS)
    return {
        "trials": trials,
        "caught": len(caught_ms),
        "caught_ratio": round(len(caught_ms) / trials, 4),
        "caught_ratio_by_background": {bg: round(caught_by_bg[bg] / per_bg, 4) for bg in BACKGROUNDS},
        "first_word_cut_ms": _ms(caught_ms),
        "cut_ms": _ms(cut_ms),
        "missed_by_word": dict(sorted(missed.items())),
    }


def noise_trials(
    rule: BargeInRule,
    offsets: list[int],
    clips: tuple[Clip, ...],
    key: str = "false_starts",
    engine: str = "silero",
    fast: BargeInParams | None = None,
) -> dict[str, Any]:
    """Every clip, offset and background: did it start the user (a barge-in)?"""
    false: Counter[str] = Counter()
    trials = 0
    for clip in clips:
        for rms in BACKGROUNDS.values():
            for offset in offsets:
                pcm, _, _ = scene(clip.pcm, offset_ms=offset, background_rms=rms)
                trials += 1
                if start_times(pcm, rule, engine, fast):
                    false[clip.label] += 1
    return {"trials": trials, key: sum(false.values()), "by_clip": dict(sorted(false.items()))}


def run(offsets: list[int]) -> dict[str, Any]:
    """Both rules on the same set; each with its CPU time."""
    report: dict[str, Any] = {}
    for name, rule in RULES.items():
        print(f"barge_in: rule {rule} ...", file=sys.stderr)
        cpu = time.process_time()
        words = word_trials(rule, offsets)
        noise = noise_trials(rule, offsets, noise_clips())
        backchannels = noise_trials(rule, offsets, barge_words(BACKCHANNELS), "starts")
        report[name] = {
            "rule": rule,
            "words": words,
            "noise": noise,
            "backchannels": backchannels,
            "cpu_s": round(time.process_time() - cpu, 2),
        }
    return report


SWEEP = ((0.09, 0.8), (0.064, 0.8), (0.064, 0.7), (0.032, 0.9))
"""(start_secs, confidence) of the fast rule tried by `--sweep` (0.09/0.8 was the default
until 2026-12-07; 0.032/0.9 is now)."""


def sweep(offsets: list[int]) -> list[dict[str, Any]]:
    """The fast rule at each `SWEEP` point: words caught and cut times, starts on noise."""
    rows: list[dict[str, Any]] = []
    for start_secs, confidence in SWEEP:
        print(f"barge_in: fast rule {start_secs} s at {confidence} ...", file=sys.stderr)
        fast = BargeInParams(start_secs=start_secs, confidence=confidence)
        words = word_trials("fast", offsets, fast=fast)
        noise = noise_trials("fast", offsets, noise_clips(), fast=fast)
        backchannels = noise_trials("fast", offsets, barge_words(BACKCHANNELS), "starts", fast=fast)
        rows.append(
            {
                "start_secs": start_secs,
                "confidence": confidence,
                "caught_ratio": words["caught_ratio"],
                "first_word_cut_ms": words["first_word_cut_ms"],
                "noise_false_starts": noise["false_starts"],
                "noise_trials": noise["trials"],
                "backchannel_starts": backchannels["starts"],
            }
        )
    return rows


def other_engines(offsets: list[int]) -> dict[str, Any]:
    """The same words and noises with the webrtc and energy engines (why they keep `stock`)."""
    out: dict[str, Any] = {"offsets_ms": offsets}
    for engine in OTHER_ENGINES:
        for name, rule in RULES.items():
            print(f"barge_in: {engine} rule {rule} ...", file=sys.stderr)
            words = word_trials(rule, offsets, engine)
            noise = noise_trials(rule, offsets, noise_clips(), engine=engine)
            out[f"{engine}_{name}"] = {
                "rule": rule,
                "caught_ratio": words["caught_ratio"],
                "first_word_cut_ms": words["first_word_cut_ms"],
                "false_starts": noise["false_starts"],
                "noise_trials": noise["trials"],
            }
    return out


def main(argv: list[str] | None = None) -> int:
    """Run, print the JSON, and write it to `--out`."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="4 offsets (0, 8, 16, 24 ms) instead of 16")
    ap.add_argument("--out", default=str(OUT), help="JSON file to write ('' for none)")
    ap.add_argument("--sweep", action="store_true", help="also try the fast rule's SWEEP points")
    args = ap.parse_args(argv)
    offsets = list(range(0, 32, 8 if args.quick else 2))
    barge_words(), barge_words(BACKCHANNELS), noise_clips()  # synthesize before timing
    meta: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "engine": "silero 16 kHz, 32 ms windows, 20 ms chunks",
        "vad_params": {"start_secs": VAD.start_secs, "stop_secs": VAD.stop_secs},
        "fast_rule": dataclasses.asdict(BargeInParams()),
        "offsets_ms": offsets,
        "words": len(barge_words()),
        "noise_clips": len(noise_clips()),
        "backgrounds_rms": BACKGROUNDS,
        "gap_to_next_word_s": GAP_S,
    }
    t0 = time.perf_counter()
    report = run(offsets)
    report["other_engines"] = other_engines(offsets[::4])
    if args.sweep:
        report["fast_rule_sweep"] = sweep(offsets)
    meta["wall_s"] = round(time.perf_counter() - t0, 1)
    meta["loadavg_end"] = os.getloadavg()
    text = json.dumps({"meta": meta, **report}, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
