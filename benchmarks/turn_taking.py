"""Turn-taking benchmark: false cut-offs and added latency of end-of-turn rules (JSON).

    python benchmarks/turn_taking.py            # 240 turns: 40 scripts x 6 voices/speeds (~5 min)
    python benchmarks/turn_taking.py --quick    # 24 turns: a smoke run (~30 s)
    python -m benchmarks.turn_taking --pauses pauses.jsonl   # also every pause's measurements
    python -m benchmarks.turn_taking --rescore pauses.jsonl  # new rules on old measurements
    python -m benchmarks.turn_taking --vad-stop 0.064        # the VAD's stop_secs (stock: 0.1)

Turns come from `turn_taking_corpus` (Piper joe at three speeds, three eSpeak voices;
half complete sentences, half with mid-sentence pauses). Each is run through what the
stock graph runs, offline: a Silero VAD (start 0.2 s, stop 0.1 s) finds the pauses;
at each stop, Whisper tiny.en transcribes the utterance (as WhisperSTT does: the final
transcript arrives after its measured inference time) and Smart Turn v3 judges the
turn's audio so far (its verdict arrives after its measured inference time); the local
SmolLM2 scores the turn's transcript so far (`TranscriptEndModel`, as
LanguageModelTurnDetector does; its score arrives after the transcript plus its measured
request time). A rule gives a delay after the VAD's speech end, re-decided when the
verdict, the transcript and the score arrive (a deadline that passed before them has ended the turn already):
- at a pause the speaker resumes from, a turn end before the next speech onset is a
  false cut-off (the turn ended while the speaker was not done);
- at the real end, the added latency is the turn end minus the true end of speech.
`cutoff_rate_beyond_rejoin` counts only cut-offs the stock graph cannot take back: the
speaker resumed more than `rejoin_s` (0.7 s) after the turn ended.
Pauses are scored independently (as if no earlier pause had ended the turn). Inference
times are this machine's (and cached with the transcripts on later runs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.turn_taking_corpus import CACHE, COMPLETE, PAUSED, RATE, VOICES, Turn, build_turn
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.processors.turn import (
    SmartTurnModel,
    TranscriptCompleteness,
    TranscriptEndModel,
    classify_transcript,
    ends_open,
)
from voicegraph.processors.vad import VADParams
from voicegraph.processors.vad.silero_vad_engine import SileroVADEngine
from voicegraph.processors.vad.vad_stream import VADStream

TIMEOUT = 2.0  # every rule's longest wait (the stock graph's max_delay)
REJOIN = 0.7  # the stock graph's user_aggregator.rejoin_s: a turn resumed this soon is taken back
Rule = Callable[[float | None, str, float | None], float]
"""(audio model's probability or None while judging, final transcript so far, language
model's score of that transcript or None while scoring) -> delay (s)."""


@dataclass
class Pause:
    """A VAD stop in a turn and what the rules need to judge it (s; delays from speech end)."""

    speech_end: float
    probability: float
    verdict: float  # when the model's verdict arrives: VAD decision + inference
    heard: float  # when this utterance's final transcript arrives: VAD decision + STT
    text_before: str  # final transcripts of the turn's earlier utterances
    text: str  # ... with this utterance's
    resumes: float | None  # the next speech onset; None at the real end
    true_end: float
    infer_ms: float
    stt_ms: float
    lm_probability: float = 0.0  # the language model's score of `text`
    lm_ms: float = 0.0  # its request time: the score arrives at heard + lm_ms


def transcribe(stt: WhisperEngine, pcm: np.ndarray[Any, np.dtype[np.int16]]) -> tuple[str, float]:
    """Whisper's text for one utterance and the time it took (cached on disk)."""
    path = CACHE / "stt" / f"{hashlib.sha1(pcm.tobytes()).hexdigest()[:20]}.json"
    if path.is_file():
        cached = json.loads(path.read_text())
        return str(cached["text"]), float(cached["ms"])
    began = time.perf_counter()
    text = stt.transcribe(pcm).text
    ms = (time.perf_counter() - began) * 1000.0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"text": text, "ms": ms}))
    return text, ms


def measure(
    turn: Turn, model: SmartTurnModel, stt: WhisperEngine, lm: TranscriptEndModel, vad_stop: float = 0.1
) -> list[Pause]:
    """Run VAD, STT and the models over the turn: one Pause per VAD stop."""
    events = VADStream(SileroVADEngine(RATE), VADParams(start_secs=0.2, stop_secs=vad_stop)).push(turn.pcm)
    starts = [e.speech_ns / 1e9 for e in events if e.speaking]
    lead = max(0, round((next((e.at_ns / 1e9 for e in events if e.speaking), 0.0) - 0.7) * RATE))
    true_end = turn.spans[-1][1]
    pauses: list[Pause] = []
    said: list[str] = []
    began = 0.0
    for e in events:
        if e.speaking:
            began = e.speech_ns / 1e9
            continue
        end, at = e.speech_ns / 1e9, e.at_ns / 1e9
        text, stt_ms = transcribe(stt, turn.pcm[max(0, round((began - 0.3) * RATE)) : round(at * RATE)])
        probability, ms = model.timed_predict(turn.pcm[lead : round(at * RATE)].astype(np.float32) / 32768.0)
        resumes = None if end >= true_end - 0.15 else next((s for s in starts if s > end), None)
        before = " ".join(said)
        said.append(text)
        lm_probability, lm_ms = lm.probability(" ".join(said))
        decided = at - end
        pauses.append(
            Pause(end, probability, decided + ms / 1000, decided + stt_ms / 1000, before, " ".join(said),
                  resumes, true_end, ms, stt_ms, lm_probability, lm_ms)
        )  # fmt: skip
    return pauses


def decide(p: Pause, rule: Rule) -> float:
    """When the rule ends the turn (s after speech end), as the node would: re-armed on news."""
    deadline = rule(None, p.text_before, None)
    probability: float | None = None
    score: float | None = None
    text = p.text_before
    news = [(p.verdict, "verdict"), (p.heard, "transcript"), (p.heard + p.lm_ms / 1000, "score")]
    for at, kind in sorted(news):
        if deadline <= at:
            return deadline
        if kind == "verdict":
            probability = p.probability
        elif kind == "transcript":
            text = p.text
        else:
            score = p.lm_probability
        deadline = max(at, rule(probability, text, score))
    return deadline


def silence_rule(delay: float) -> Rule:
    """SilenceTurnDetector(min_delay=delay): the same delay whatever was heard."""

    def rule(_: float | None, __: str, ___: float | None) -> float:
        return delay

    return rule


def transcript_rule(complete: float, unsure: float) -> Rule:
    """TranscriptAwareTurnDetector(complete_delay, min_delay, max_delay=TIMEOUT)."""

    def rule(_: float | None, text: str, __: float | None) -> float:
        kind = classify_transcript(text)
        if kind is TranscriptCompleteness.COMPLETE:
            return complete
        return TIMEOUT if kind is TranscriptCompleteness.INCOMPLETE else unsure

    return rule


def smart_rule(
    threshold: float, unsure: float, *, use_transcript: bool, veto: bool = False, timeout: float = TIMEOUT
) -> Rule:
    """SmartTurnDetector(threshold, unsure, use_transcript, complete_delay=0.3, max_delay=timeout).

    `veto` (not in the node): an unfinished-looking transcript overrules the model's "complete".
    """

    def rule(probability: float | None, text: str, _: float | None) -> float:
        if probability is None:
            return timeout  # waiting for the verdict
        kind = classify_transcript(text) if use_transcript else TranscriptCompleteness.UNKNOWN
        if probability >= threshold and not (veto and kind is TranscriptCompleteness.INCOMPLETE):
            return 0.0
        if probability >= unsure and kind is TranscriptCompleteness.COMPLETE:
            return 0.3
        return timeout

    return rule


def language_model_rule(threshold: float, unsure: float, unsure_delay: float) -> Rule:
    """LanguageModelTurnDetector(threshold, unsure, complete_delay=0, min_delay=unsure_delay)."""

    def rule(_: float | None, text: str, score: float | None) -> float:
        if score is None or ends_open(text):
            return TIMEOUT  # waiting for the transcript and its score, or trailing off
        if score >= threshold:
            return 0.0
        return unsure_delay if score >= unsure else TIMEOUT

    return rule


def rules() -> dict[str, dict[str, Rule]]:
    """Each rule family's parameter sweep."""
    sweeps: dict[str, dict[str, Rule]] = {
        n: {} for n in ("silence", "transcript", "smart_turn", "combined", "combined_veto", "language_model")
    }
    for t in (0.02, 0.05, 0.1, 0.2, 0.3, 0.5):
        sweeps["language_model"][f"threshold={t}"] = language_model_rule(t, t, TIMEOUT)
        for u, d in ((0.02, 1.2), (0.05, 0.8), (0.05, 1.2)):
            if u < t:
                label = f"threshold={t},unsure={u},min_delay={d}"
                sweeps["language_model"][label] = language_model_rule(t, u, d)
    for d in (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0):
        sweeps["silence"][f"delay={d}"] = silence_rule(d)
        sweeps["transcript"][f"min_delay={d}"] = transcript_rule(min(0.3, d), d)
    for t in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95):
        for timeout in (1.0, 1.5, 2.0):
            sweeps["smart_turn"][f"threshold={t},timeout={timeout}"] = smart_rule(
                t, t, use_transcript=False, timeout=timeout
            )
        for u in (0.1, 0.3):
            if u < t:
                for timeout in (1.0, 2.0):
                    label = f"threshold={t},unsure={u},timeout={timeout}"
                    sweeps["combined"][label] = smart_rule(t, u, use_transcript=True, timeout=timeout)
                label = f"threshold={t},unsure={u},timeout=2.0"
                sweeps["combined_veto"][label] = smart_rule(t, u, use_transcript=True, veto=True)
    return sweeps


def score(measured: list[tuple[Turn, list[Pause]]], rule: Rule) -> dict[str, float]:
    """False cut-off rates (all turns, paused turns, beyond rejoin) and added latency at real ends."""
    cut = cut_paused = kept = 0
    added: list[float] = []
    for turn, pauses in measured:
        ends = [p.speech_end + decide(p, rule) for p in pauses]
        gaps = [p.resumes - t for p, t in zip(pauses, ends, strict=True) if p.resumes is not None]
        early = any(gap > 0 for gap in gaps)
        cut += early
        cut_paused += early and turn.paused
        kept += any(gap > REJOIN for gap in gaps)
        added += [t - p.true_end for p, t in zip(pauses, ends, strict=True) if p.resumes is None][:1]
    paused = sum(t.paused for t, _ in measured)
    return {
        "false_cutoff_rate": round(cut / len(measured), 4),
        "false_cutoff_rate_paused_turns": round(cut_paused / max(1, paused), 4),
        "cutoff_rate_beyond_rejoin": round(kept / len(measured), 4),
        "median_added_ms": round(1000 * statistics.median(added)) if added else -1,
        "p90_added_ms": round(1000 * float(np.percentile(added, 90))) if added else -1,
    }


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 1), "p90": round(float(np.percentile(values, 90)), 1)}


def run(quick: bool, vad_stop: float = 0.1) -> tuple[list[tuple[Turn, list[Pause]]], dict[str, Any]]:
    """Synthesize and measure every turn; (turns with their pauses, run facts)."""
    voices = [VOICES[0], VOICES[3]] if quick else VOICES
    scripts = (COMPLETE[:6] + PAUSED[:6]) if quick else COMPLETE + PAUSED
    rng = np.random.default_rng(19)
    model, stt, lm = SmartTurnModel(), WhisperEngine(), TranscriptEndModel()
    model.predict(np.zeros(RATE, np.float32))  # warm up: the first run pays one-off costs
    lm.probability("Hello there.")
    stt.transcribe((np.sin(np.arange(RATE) / 5.0) * 3000).astype(np.int16))
    began, load_start = time.perf_counter(), os.getloadavg()[0]
    turns = (build_turn(s, v, rng) for v in voices for s in scripts)
    measured = [(t, measure(t, model, stt, lm, vad_stop)) for t in turns]
    lm.close()
    facts = {
        "voices": [f"{e}:{v}@{s}" for e, v, s in voices],
        "vad_stop_s": vad_stop,
        "seconds": round(time.perf_counter() - began, 1),
        "loadavg_start_end": [round(load_start, 2), round(os.getloadavg()[0], 2)],
    }
    return measured, facts


def load_pauses(path: Path) -> list[tuple[Turn, list[Pause]]]:
    """The turns and pauses an earlier run wrote with --pauses (no audio)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    empty = np.zeros(0, np.int16)
    return [(Turn(r["turn"], empty, [], r["paused"]), [Pause(**p) for p in r["pauses"]]) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="24 turns (2 voices x (6 + 6) scripts)")
    parser.add_argument("--pauses", type=Path, help="also write every pause's measurements (JSON lines)")
    parser.add_argument("--rescore", type=Path, help="score an earlier --pauses file instead of measuring")
    parser.add_argument(
        "--vad-stop", type=float, default=0.1, help="the VAD's stop_secs (the stock graph's: 0.1)"
    )
    parser.add_argument(
        "--model-ms", type=float, help="what-if: score as if each Smart Turn inference took this long"
    )
    args = parser.parse_args()
    measured, facts = (
        (load_pauses(args.rescore), {"rescored": str(args.rescore)})
        if args.rescore
        else run(args.quick, args.vad_stop)
    )
    pauses = [p for _, ps in measured for p in ps]
    if args.model_ms is not None:
        for p in pauses:
            p.verdict += (args.model_ms - p.infer_ms) / 1000.0
            p.infer_ms = args.model_ms
        facts["model_ms_what_if"] = args.model_ms
    report: dict[str, Any] = {
        "turns": len(measured),
        "paused_turns": sum(t.paused for t, _ in measured),
        "vad_pauses": len(pauses),
        "turns_without_a_detected_end": sum(all(p.resumes is not None for p in ps) for _, ps in measured),
        "smart_turn_ms": _stats([p.infer_ms for p in pauses]),
        "whisper_ms": _stats([p.stt_ms for p in pauses]),
        "language_model_ms": _stats([p.lm_ms for p in pauses]),
        **facts,
        "curves": {
            name: {k: score(measured, r) for k, r in sweep.items()} for name, sweep in rules().items()
        },
    }
    report["goal_met"] = {  # <= 5% false cut-offs at <= 300 ms median added latency (issue 19)
        name: [k for k, s in curve.items() if s["false_cutoff_rate"] <= 0.05 and s["median_added_ms"] <= 300]
        for name, curve in report["curves"].items()
    }
    print(json.dumps(report, indent=1))
    if args.pauses is not None:
        with args.pauses.open("w") as f:
            for turn, ps in measured:
                f.write(
                    json.dumps({"turn": turn.name, "paused": turn.paused, "pauses": [vars(p) for p in ps]})
                    + "\n"
                )


if __name__ == "__main__":
    main()
