"""Barge-in in a synthesized room: echo of the bot, false and real interruptions (issue 19).

The bot's reply (Piper, ~9 s) leaks into the microphone through a room: an
exponential-decay reverb (RT60 150 ms), delayed 20-200 ms, at -10/-20/-30 dB, over
white noise (-60 dBFS). Silero VAD with the stock agent's timings and the barge-in
"fast" rule (bot speaking) listens to the microphone, raw (`raw`) or cleaned by the
`EchoCanceller`'s engine (WebRTC AEC3 from the livekit wheel, fed the played audio
through an `EchoReference` timeline in 20 ms playout chunks), alone (`aec_only`) or
with the node's `DoubleTalkBypass` (`aec`, what the node does).

Figures (JSON):
- `self_interruption`: per delay/level, whether the echo alone started the user (the
  bot would cut itself), raw and with AEC; `rate` over all conditions.
- `barge_in`: a short first word (barge_in_set's 24 words) 3 s into the reply, per
  condition (`BARGE_CONDITIONS`: echo at 100 ms and -30/-20/-10 dB with AEC; no echo
  with and without AEC): caught ratio and `cut_ms` p50/p95 = word onset to the VAD
  start + one 20 ms playout chunk (the `FalseInterruptionFilter` pauses playout on the
  start, so this is when the bot goes quiet).
- `false_interruptions`: coughs (synthesized), noise bursts (barge_in_set) and
  backchannels ("Mm-hmm", "Uh-huh", "Yeah", "Okay"; Piper + eSpeak) while the bot
  speaks: `paused` (the VAD started), `interrupted` without the filter (= paused) and
  with it (speech over `min_speech_s`, or a Whisper tiny.en transcript that is not
  `is_backchannel`); `real` does the same for real interruptions ("Hold on, I have a
  question", "Wait, stop", ...), which must still be cut.
All times are stream time (audio analyzed), not wall time.

    python -m benchmarks.barge_in_rooms           # ~1-2 min on 2 cores
    python -m benchmarks.barge_in_rooms --quick   # fewer conditions
    python -m benchmarks.barge_in_rooms --fast 0.09:0.8   # the fast rule before 2026-12-07

The JSON also goes to benchmarks/results/barge-in-rooms.json (`--out ''` to skip).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks.stats import percentile  # type: ignore[attr-defined]
from tests.processors.audio.echo_room import RATE, bot_speech, echo, mix, place
from tests.processors.vad.barge_in_set import BACKCHANNELS, Clip, barge_words, noise_clips
from tests.speech import synthesize
from voicegraph.framework.formats import PCM16K
from voicegraph.processors.audio.echo_double_talk import DoubleTalkBypass
from voicegraph.processors.audio.echo_reference import EchoReference
from voicegraph.processors.audio.echo_webrtc_engine import WebRTCEchoEngine
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.processors.vad.barge_in_onset import BargeInParams
from voicegraph.processors.vad.false_interruption_filter import FalseInterruptionFilter, is_backchannel
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.processors.vad.vad_engine import create_vad_engine
from voicegraph.processors.vad.vad_stream import VADStream

if TYPE_CHECKING:
    from numpy.typing import NDArray

OUT = Path(__file__).with_name("results") / "barge-in-rooms.json"
STEP = RATE // 50
CHUNK_MS = 20.0
DEFAULTS: dict[str, Any] = FalseInterruptionFilter.__init__.__kwdefaults__ or {}
MIN_SPEECH_S = float(DEFAULTS["min_speech_s"])
REAL = ("Hold on, I have a question.", "Wait, stop.", "No, that's wrong.", "Sorry, can you repeat that?")


def cancel(mic: NDArray[np.int16], played: NDArray[np.int16], *, bypass: bool = True) -> NDArray[np.int16]:
    """What the `EchoCanceller` does: AEC3 over `mic`, the reference written per 20 ms
    playout chunk and read per 10 ms; with `bypass`, the `DoubleTalkBypass` (6 dB)."""
    ref, eng = EchoReference(RATE, span_s=1.0), WebRTCEchoEngine(RATE)
    gate = DoubleTalkBypass()
    out = np.zeros_like(mic)
    n = eng.block
    for i in range(0, mic.size - STEP + 1, STEP):
        ref.write(played[i : i + STEP].tobytes(), PCM16K, i * 1_000_000_000 // RATE)
        for k in range(i, i + STEP, n):
            near, far = mic[k : k + n], ref.read(k * 1_000_000_000 // RATE, n)
            cleaned = eng.process(near, far)
            out[k : k + n] = gate.choose(near, far, cleaned) if bypass else cleaned
    return out


FAST = {"rule": BargeInParams()}
"""The barge-in rule every VAD here uses (`--fast START:CONFIDENCE` replaces it)."""


def vad_events(pcm: NDArray[np.int16]) -> list[tuple[bool, float, float]]:
    """(speaking, decided s, speech s) for each start/stop, the bot speaking throughout."""
    stream = VADStream(
        create_vad_engine("silero", RATE), VADParams(start_secs=0.2, stop_secs=0.1), barge=FAST["rule"]
    )
    stream.analyzer.bot_speaking = True
    out: list[tuple[bool, float, float]] = []
    for i in range(0, pcm.size, STEP):
        out += [(e.speaking, e.at_ns / 1e9, e.speech_ns / 1e9) for e in stream.push(pcm[i : i + STEP])]
    return out


def self_interruption(delays: list[float], levels: list[float]) -> dict[str, Any]:
    played = np.concatenate((np.zeros(RATE // 2, np.int16), bot_speech()))
    rows: list[dict[str, float]] = []
    for delay in delays:
        for level in levels:
            mic = mix(echo(played, delay_ms=delay, level_db=level))
            row = {"delay_ms": delay, "level_db": level, "raw_starts": float(len(_starts(mic)))}
            row["aec_only_starts"] = float(len(_starts(cancel(mic, played, bypass=False))))
            row["aec_starts"] = float(len(_starts(cancel(mic, played))))
            rows.append(row)
    n = len(rows)

    def rate(key: str) -> float:
        return round(sum(1 for r in rows if r[key] > 0) / n, 4)

    return {
        "conditions": rows,
        "rate_raw": rate("raw_starts"),
        "rate_aec_only": rate("aec_only_starts"),
        "rate_aec": rate("aec_starts"),
    }


def _starts(pcm: NDArray[np.int16]) -> list[float]:
    return [e[1] for e in vad_events(pcm) if e[0]]


def _ms(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "max": round(max(values), 1),
    }


BARGE_CONDITIONS: dict[str, tuple[float | None, str, float]] = {
    "no_echo_raw": (None, "raw", 30.0),
    "no_echo_aec_only": (None, "aec_only", 30.0),
    "no_echo_aec": (None, "aec", 30.0),
    "no_echo_aec_noise-50dBFS": (None, "aec", 100.0),
    "-30dB_aec_only": (-30.0, "aec_only", 30.0),
    "-30dB_aec": (-30.0, "aec", 30.0),
    "-20dB_aec": (-20.0, "aec", 30.0),
    "-10dB_aec_only": (-10.0, "aec_only", 30.0),
    "-10dB_aec": (-10.0, "aec", 30.0),
    "-10dB_aec_noise-50dBFS": (-10.0, "aec", 100.0),
}
"""Name -> (echo level at 100 ms delay, None for none; processing: raw microphone, AEC3
alone, or AEC3 with the double-talk bypass as in `EchoCanceller`; noise RMS)."""


def barge_in(words: tuple[Clip, ...]) -> dict[str, Any]:
    """Per condition: caught ratio, ratio cut within 200 ms, cut_ms; misses listed."""
    played = np.concatenate((np.zeros(RATE // 2, np.int16), bot_speech()[: 5 * RATE]))
    at_s = 3.0
    out: dict[str, Any] = {}
    for name, (level, how, noise) in BARGE_CONDITIONS.items():
        room = (
            echo(played, delay_ms=100.0, level_db=level)
            if level is not None
            else np.zeros(played.size, np.float64)
        )
        cut: list[float] = []
        missed: list[str] = []
        for word in words:
            mic = mix(room, place(word.pcm, at_s, played.size), noise_rms=noise)
            heard = mic if how == "raw" else cancel(mic, played, bypass=how == "aec")
            starts = [e[1] for e in vad_events(heard) if e[0] and e[1] >= at_s]
            if starts and starts[0] - at_s < 1.0:
                cut.append((starts[0] - at_s) * 1000 + CHUNK_MS)
            else:
                missed.append(word.label)
        n = len(words)
        out[name] = {
            "trials": n,
            "caught_ratio": round(len(cut) / n, 4),
            "within_200ms_ratio": round(sum(1 for c in cut if c <= 200.0) / n, 4),
            "cut_ms": _ms(cut),
            "missed": missed,
        }
    return out


def decide(pcm: NDArray[np.int16], whisper: WhisperEngine) -> tuple[bool, bool, str]:
    """(paused, interrupted, transcripts) under the FalseInterruptionFilter's rule.

    Every start pauses the bot; a start that resumes (short, backchannel transcript)
    leaves the bot speaking, so the next start is judged again, as in the node.
    """
    events = vad_events(pcm)
    paused, heard = False, list[str]()
    for n, start in enumerate(events):
        if not start[0]:
            continue
        paused = True
        stop = next((e for e in events[n + 1 :] if not e[0]), None)
        if stop is None or stop[1] - start[1] > MIN_SPEECH_S:
            return True, True, " | ".join(heard)
        seg = pcm[max(0, int((start[2] - 0.2) * RATE)) : int(stop[1] * RATE)]
        heard.append(whisper.transcribe(seg).text)
        if not is_backchannel(heard[-1]):
            return True, True, " | ".join(heard)
    return paused, False, " | ".join(heard)


def cough(seed: int) -> NDArray[np.int16]:
    """Two short bursts of band-limited noise with a sharp attack, like a cough."""
    rng = np.random.default_rng(seed)
    parts = []
    for dur in (0.18, 0.12):
        n = int(dur * RATE)
        spec = np.fft.rfft(rng.normal(0, 1, n))
        f = np.fft.rfftfreq(n, 1 / RATE)
        spec[(f < 300) | (f > 3500)] = 0
        x = np.fft.irfft(spec, n) * np.exp(-np.arange(n) / (0.05 * RATE))
        parts += [x / np.abs(x).max() * 12000, np.zeros(int(0.08 * RATE))]
    return np.concatenate(parts).astype(np.int16)


def _spoken(texts: tuple[str, ...]) -> list[Clip]:
    return [
        Clip(f"{eng}/{t}", synthesize(t, engine=eng, rate=RATE)) for t in texts for eng in ("piper", "espeak")
    ]


def interruptions(clips: list[Clip], whisper: WhisperEngine) -> dict[str, Any]:
    paused = interrupted = 0
    rows = []
    for clip in clips:
        pcm = mix(np.concatenate((np.zeros(RATE // 2, np.int16), clip.pcm, np.zeros(RATE, np.int16))))
        p, i, text = decide(pcm, whisper)
        paused, interrupted = paused + p, interrupted + i
        rows.append({"clip": clip.label, "paused": p, "interrupted": i, "transcript": text})
    n = len(clips)
    return {
        "n": n,
        "rate_without_filter": round(paused / n, 4),
        "rate_with_filter": round(interrupted / n, 4),
        "clips": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer delays, levels and words")
    ap.add_argument("--out", default=str(OUT), help="JSON file to write ('' for none)")
    ap.add_argument(
        "--fast", default="", help="the fast rule's START_SECS:CONFIDENCE (default: BargeInParams())"
    )
    args = ap.parse_args(argv)
    if args.fast:
        start_secs, confidence = (float(x) for x in args.fast.split(":"))
        FAST["rule"] = BargeInParams(start_secs=start_secs, confidence=confidence)
    t0 = time.perf_counter()
    delays = [20.0, 200.0] if args.quick else [20.0, 60.0, 120.0, 200.0]
    levels = [-10.0, -30.0] if args.quick else [-10.0, -20.0, -30.0]
    words = barge_words()[:: 4 if args.quick else 1]
    whisper = WhisperEngine()
    false_clips = [Clip(f"cough/{s}", cough(s)) for s in range(3)] + list(
        noise_clips()[:: 3 if args.quick else 1]
    )
    result = {
        "benchmark": "barge_in_rooms",
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": 2},
        "self_interruption": self_interruption(delays, levels),
        "barge_in": barge_in(words),
        "false_interruptions": {
            "noises_and_coughs": interruptions(false_clips, whisper),
            "backchannels": interruptions(_spoken(BACKCHANNELS), whisper),
        },
        "real_interruptions": interruptions(_spoken(REAL), whisper),
        "filter": {"min_speech_s": MIN_SPEECH_S, "stt": "whisper tiny.en"},
        "fast_rule": dataclasses.asdict(FAST["rule"]),
        "seconds": 0.0,
    }
    result["seconds"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
