"""Audio for the fake Cartesia: real speech from eSpeak NG, encoded as the client asked.

Sonic's raw output is PCM at the requested rate in one of four encodings; the fake
synthesizes with eSpeak (22.05 kHz), resamples with soxr and encodes. Word timestamps
come from eSpeak's own word events, spelled as the transcript spells its words (as
Cartesia reports them), in seconds from the start of the synthesized piece. The STT
side decodes what the client sends back to 16 kHz s16 for Whisper.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import soxr
from numpy.typing import NDArray

from voicegraph.audio.g711 import alaw_decode, alaw_encode, mulaw_decode, mulaw_encode
from voicegraph.processors.tts.espeak_engine import EspeakEngine

TTS_ENCODINGS = ("pcm_s16le", "pcm_f32le", "pcm_mulaw", "pcm_alaw")
TTS_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
STT_ENCODINGS = ("pcm_s16le", "pcm_s32le", "pcm_f16le", "pcm_f32le", "pcm_mulaw", "pcm_alaw")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Speech:
    """One synthesized piece: PCM at 16-bit and its words (text spelling, seconds)."""

    pcm: NDArray[np.int16]
    rate: int
    words: list[str]
    starts: list[float]
    ends: list[float]


def synthesize(text: str, rate: int) -> Speech:
    """Speak `text` with eSpeak at `rate` Hz; words keep the transcript's spelling."""
    with _LOCK:  # one eSpeak per process
        engine = EspeakEngine()
        pcm, events = engine.synthesize_all(text)
        src = engine.sample_rate
    out = pcm if rate == src else soxr.resample(pcm, src, rate).astype(np.int16)
    spans = _word_spans(text)
    words: list[str] = []
    starts: list[float] = []
    for ev in events:
        hit = next((i for i, (a, b, _) in enumerate(spans) if a <= ev.start < b), None)
        if hit is None or hit < len(words):  # between words, or a piece of a word given
            continue
        for _a, _b, w in spans[len(words) : hit + 1]:  # words eSpeak folded get the same start
            words.append(w)
            starts.append(ev.audio_ms / 1000)
    for _a, _b, w in spans[len(words) :]:  # words with no event of their own
        words.append(w)
        starts.append(starts[-1] if starts else 0.0)
    total = len(out) / rate
    ends = [*starts[1:], total]
    return Speech(out, rate, words, starts, ends)


def _word_spans(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for word in text.split():
        at = text.index(word, pos)
        spans.append((at, at + len(word), word))
        pos = at + len(word)
    return spans


def encode(pcm: NDArray[np.int16], encoding: str) -> bytes:
    """PCM s16 -> the wire encoding of a `raw` output format."""
    if encoding == "pcm_s16le":
        return pcm.astype("<i2").tobytes()
    if encoding == "pcm_f32le":
        return (pcm.astype(np.float32) / 32768.0).astype("<f4").tobytes()
    if encoding == "pcm_mulaw":
        return mulaw_encode(pcm)
    return alaw_encode(pcm)


def decode(data: bytes, encoding: str, rate: int) -> NDArray[np.int16]:
    """Client audio in any STT encoding at `rate` -> 16 kHz s16 for the recognizer."""
    pcm: NDArray[np.int16]
    if encoding == "pcm_s16le":
        pcm = np.frombuffer(data[: len(data) // 2 * 2], "<i2").astype(np.int16)
    elif encoding == "pcm_s32le":
        pcm = (np.frombuffer(data[: len(data) // 4 * 4], "<i4") >> 16).astype(np.int16)
    elif encoding == "pcm_f16le":
        pcm = _from_float(np.frombuffer(data[: len(data) // 2 * 2], "<f2"))
    elif encoding == "pcm_f32le":
        pcm = _from_float(np.frombuffer(data[: len(data) // 4 * 4], "<f4"))
    elif encoding == "pcm_mulaw":
        pcm = mulaw_decode(data)
    else:
        pcm = alaw_decode(data)
    if rate != 16000 and len(pcm):
        pcm = soxr.resample(pcm, rate, 16000).astype(np.int16)
    return pcm


def _from_float(x: NDArray[np.floating]) -> NDArray[np.int16]:
    out: NDArray[np.int16] = np.clip(x.astype(np.float32) * 32768.0, -32768, 32767).astype(np.int16)
    return out
