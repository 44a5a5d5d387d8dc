"""The caller's question, spoken by Piper, and what counts as having heard it.

Piper runs in the test process (deterministic: no generator noise); Whisper on the
server must then write "capital" or "France" in the user's transcript.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tests.speech import normalize_words, speech_bounds, synthesize

QUESTION = "What is the capital of France?"
KEY_WORDS = frozenset({"capital", "france"})
RATE = 16000


def question(rate: int = RATE) -> NDArray[np.int16]:
    """The question at `rate` Hz (mono int16), trimmed to its speech."""
    pcm = synthesize(QUESTION, engine="piper", rate=rate)
    start, end = speech_bounds(pcm, rate)
    return np.asarray(pcm[start:end], dtype=np.int16)


def silence(seconds: float, rate: int = RATE) -> NDArray[np.int16]:
    return np.zeros(round(seconds * rate), np.int16)


def heard_the_question(text: str) -> bool:
    """Whether a transcript has the question's key words ("capital" or "France")."""
    return bool(KEY_WORDS & set(normalize_words(text)))


def write_wav(path: Path, *, lead_s: float, tail_s: float, rate: int = RATE) -> float:
    """A WAV of `lead_s` silence, the question, `tail_s` silence; where the speech ends (s)."""
    speech = question(rate)
    pcm = np.concatenate([silence(lead_s, rate), speech, silence(tail_s, rate)])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return lead_s + len(speech) / rate
