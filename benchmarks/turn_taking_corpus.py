"""The turn-taking benchmark's corpus: scripts, voices, and turns synthesized from them.

Complete scripts are single sentences; paused scripts are one sentence spoken in one go
(so the words before each pause keep a continuing intonation) and cut at its commas,
where a pause of 0.4 to 1.6 s is added. Synthesized audio is cached on disk.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from voicegraph.demo.caller_voice import speech_bounds

RATE = 16000
CACHE = Path.home() / ".cache" / "voicegraph" / "turn_taking"
P = -1.0  # a mid-sentence pause in a script (its length is drawn per turn)
COMPLETE: list[list[str | float]] = [[s] for s in (
    "Can you tell me the weather in Paris tomorrow?", "I would like to book a table for two people tonight.",
    "Thank you.", "Yes, that works for me.", "What time does the pharmacy close on Sundays?",
    "Please cancel my order from last week.", "My name is Sarah Johnson.",
    "I need to change my flight to Friday morning.", "No, that's all for today.",
    "How much does the premium plan cost per month?", "Could you send me the receipt by email?",
    "I lost my credit card and need a new one.", "Set an alarm for seven in the morning.",
    "Is the store open on public holidays?", "That sounds great, let's do it.",
    "I'd like to speak to someone about my bill.", "Where is the nearest train station?", "Okay.",
    "Can I pay with a debit card?", "We will arrive around eight o'clock.",
)]  # fmt: skip
PAUSED: list[list[str | float]] = [  # spoken as one sentence; a pause is added at each split
    ["I want to...", P, "um,", P, "book a table for four on Saturday."],
    ["My number is five five five,", P, "eight six seven,", P, "five three oh nine."],
    ["I need eggs,", P, "milk,", P, "and some bread."],
    ["Can you tell me,", P, "um,", P, "how to reset my password?"],
    ["I'd like to order,", P, "a large pizza with mushrooms."],
    ["So the problem is that,", P, "my internet keeps dropping every evening."],
    ["The address is twenty two,", P, "Baker Street."],
    ["I was wondering if,", P, "you could help me with my account."],
    ["Let me think,", P, "uh,", P, "maybe next Tuesday."],
    ["I'll take the chicken,", P, "the rice,", P, "and a lemonade."],
    ["My account number is four one two,", P, "seven seven three,", P, "nine."],
    ["Can I get,", P, "um,", P, "two tickets for the evening show?"],
    ["The reason I'm calling is,", P, "I was charged twice."],
    ["We need it delivered by,", P, "Thursday at noon."],
    ["I want to...", P, "um,", P, "I'm not sure yet maybe the blue one."],
    ["It's for my daughter and,", P, "her two friends."],
    ["Well,", P, "I think the first option is better."],
    ["Could you check whether,", P, "my package has shipped?"],
    ["My date of birth is March,", P, "fourth,", P, "nineteen eighty five."],
    ["I'd like the,", P, "uh,", P, "the vegetarian menu please."],
]
VOICES: list[tuple[str, str, float]] = [
    # (engine, voice, speed): Piper length scale is 1 / speed; eSpeak words a minute is 175 x speed
    ("piper", "joe", 1.0), ("piper", "joe", 0.8), ("piper", "joe", 1.2),
    ("espeak", "en-us", 1.0), ("espeak", "en-us+f3", 0.8), ("espeak", "en-gb-scotland", 1.15),
]  # fmt: skip


def synthesize(engine: str, voice: str, speed: float, text: str) -> NDArray[np.int16]:
    """`text` spoken, trimmed to its audible span, 16 kHz int16 (cached on disk)."""
    key = hashlib.sha1(f"{engine}|{voice}|{speed}|{text}".encode()).hexdigest()[:20]
    path = CACHE / f"{key}.npy"
    if path.is_file():
        cached: NDArray[np.int16] = np.asarray(np.load(path), dtype=np.int16)
        return cached
    if engine == "piper":
        from piper import SynthesisConfig

        from voicegraph.demo.caller_voice import _piper_voice

        tts = _piper_voice()
        config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, length_scale=1.0 / speed)
        pcm = np.concatenate([c.audio_int16_array for c in tts.synthesize(text, syn_config=config)])
        native = int(tts.config.sample_rate)
    else:
        from voicegraph.processors.tts.espeak_engine import EspeakEngine

        tts = EspeakEngine(voice=voice, words_per_minute=round(175 * speed))
        pcm, _ = tts.synthesize_all(text)
        native = tts.sample_rate
    import soxr

    out = np.clip(np.round(soxr.resample(pcm.astype(np.float32), native, RATE)), -32768, 32767)
    start, end = speech_bounds(out.astype(np.int16), RATE)
    trimmed: NDArray[np.int16] = np.asarray(out[start:end], dtype=np.int16)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, trimmed)
    return trimmed


@dataclass
class Turn:
    """One synthesized turn: audio, the script's speech spans (s) and their text."""

    name: str
    pcm: NDArray[np.int16]
    spans: list[tuple[float, float, str]]
    paused: bool


def quiet_gaps(pcm: NDArray[np.int16], floor_db: float = -35.0) -> list[tuple[int, int]]:
    """Internal silent runs (10 ms windows `floor_db` under the peak), longest first."""
    win = RATE // 100
    n = len(pcm) // win
    rms = np.sqrt(np.mean(pcm[: n * win].astype(np.float64).reshape(n, win) ** 2, axis=1))
    quiet = np.concatenate([[False], rms < rms.max() * 10 ** (floor_db / 20), [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    runs = [(int(a) * win, int(b) * win) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    runs = [(a, b) for a, b in runs if a > 0 and b < n * win]
    return sorted(runs, key=lambda r: r[0] - r[1])


def split_sentence(parts: list[str], voice: tuple[str, str, float]) -> list[NDArray[np.int16]]:
    """The parts spoken as one sentence (continuing prosody) and cut at their commas.

    The cuts are the len(parts) - 1 longest silent gaps when they stand out (each >= 90 ms
    and longer than any other gap); otherwise each part is synthesized on its own.
    """
    pcm = synthesize(*voice, " ".join(parts))
    gaps = quiet_gaps(pcm)
    cut = sorted(gaps[: len(parts) - 1])
    rest = gaps[len(parts) - 1 : len(parts)]
    shortest = min((b - a for a, b in cut), default=0)
    if len(cut) < len(parts) - 1 or shortest < 0.09 * RATE or (rest and rest[0][1] - rest[0][0] >= shortest):
        return [synthesize(*voice, part) for part in parts]
    bounds = [0, *[(a + b) // 2 for a, b in cut], len(pcm)]
    return [pcm[a:b] for a, b in itertools.pairwise(bounds)]


def build_turn(script: list[str | float], voice: tuple[str, str, float], rng: np.random.Generator) -> Turn:
    """Lead-in, the script's speech with its pauses widened, 2.5 s of silence; light noise."""
    parts = [p for p in script if isinstance(p, str)]
    spoken = split_sentence(parts, voice) if len(parts) > 1 else [synthesize(*voice, parts[0])]
    pieces: list[NDArray[np.int16]] = [np.zeros(RATE // 2, np.int16)]
    spans: list[tuple[float, float, str]] = []
    pos = RATE // 2
    for i, (pcm, text) in enumerate(zip(spoken, parts, strict=True)):
        start, end = speech_bounds(pcm, RATE)
        spans.append(((pos + start) / RATE, (pos + end) / RATE, text))
        pause = np.zeros(round(float(rng.uniform(0.4, 1.6)) * RATE) if i < len(parts) - 1 else 0, np.int16)
        pieces += [pcm, pause]
        pos += len(pcm) + len(pause)
    pieces.append(np.zeros(round(2.5 * RATE), np.int16))
    audio = np.concatenate(pieces).astype(np.float64) + rng.normal(0.0, 20.0, pos + round(2.5 * RATE))
    name = f"{voice[0]}:{voice[1]}@{voice[2]} {' '.join(parts)}"
    return Turn(name, np.clip(audio, -32768, 32767).astype(np.int16), spans, len(parts) > 1)
