"""The reply every provider must bring back, and the STT that reads it off the received audio."""

from __future__ import annotations

import functools

import numpy as np
import soxr

from voicegraph.processors.stt.whisper_engine import WhisperEngine

from .call_result import CallResult

REPLY = "The capital of France is Paris."
"""The scripted agent's answer to the question (graph.yaml's rule)."""
REPLY_KEY_WORDS = frozenset({"capital", "france", "paris"})
"""Words Whisper must read off the bot's audio (eSpeak's "of"/"is" come out as "and"/"in")."""


@functools.cache
def _whisper() -> WhisperEngine:
    return WhisperEngine()


def transcribe(result: CallResult) -> str:
    """Whisper's text of the bot's audio in `result` (resampled to 16 kHz)."""
    pcm = result.bot
    if result.rate != 16000:
        resampled = soxr.resample(pcm.astype(np.float32), result.rate, 16000, quality="HQ")
        pcm = np.clip(np.round(resampled), -32768, 32767).astype(np.int16)
    return str(_whisper().transcribe(pcm).text)
