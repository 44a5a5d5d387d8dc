"""The fake Deepgram's ears: local VAD (Silero) and local STT (Whisper) over a PCM stream.

Both Deepgram fakes (Nova `/v1/listen`, Flux `/v2/listen`) hear the audio they get with
real engines, so they behave on real speech: speech starts and stops where the VAD says,
transcripts are what Whisper (or PocketSphinx, by passing `transcribe`) reads. Times are
stream time in seconds (audio received on the connection), as Deepgram reports them.
Word timings are spread evenly over the speech span: Whisper here gives no word times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voicegraph.processors.vad.vad_analyzer import VADEvent, VADParams
from voicegraph.processors.vad.vad_engine import create_vad_engine
from voicegraph.processors.vad.vad_stream import VADStream

RATE = 16000
Transcriber = Callable[[NDArray[np.int16]], str]


def whisper_transcriber() -> Transcriber:
    """Whisper tiny.en from the process's engine registry (loaded once, shared)."""
    from voicegraph.processors.stt.whisper_engine import WhisperEngine

    engine = WhisperEngine()
    return lambda pcm: engine.transcribe(pcm).text.strip()


def pocketsphinx_transcriber() -> Transcriber:
    """PocketSphinx with its general English model (faster, less accurate)."""
    from voicegraph.processors.stt.pocketsphinx_engine import PocketSphinxEngine

    def run(pcm: NDArray[np.int16]) -> str:
        engine = PocketSphinxEngine()
        try:
            engine.begin(np.zeros(0, np.int16))
            engine.feed(pcm)
            return engine.end().text.strip()
        finally:
            engine.close()

    return run


@dataclass
class Segment:
    """Audio since the last finalization point, with where its speech began and ended."""

    start_s: float = 0.0
    speech_start_s: float | None = None
    speech_end_s: float | None = None


class SpeechEars:
    """Cuts a 16 kHz mono s16 stream into speech with Silero and transcribes spans with Whisper.

    Args:
        stop_s: silence that ends speech (Deepgram's `endpointing`).
        transcribe: the STT (default Whisper tiny.en).
        preroll_s: audio kept before speech starts (it is part of the transcribed span).
    """

    def __init__(
        self, *, stop_s: float, transcribe: Transcriber | None = None, preroll_s: float = 0.3
    ) -> None:
        engine = create_vad_engine("silero", RATE)
        params = VADParams(start_secs=0.1, stop_secs=max(stop_s, 0.0))
        self._vad = VADStream(engine, params)
        self._transcribe = transcribe or whisper_transcriber()
        self._preroll = round(preroll_s * RATE)
        self._pcm = np.zeros(0, np.int16)
        self.segment = Segment()
        self.samples = 0
        """Samples received on the connection."""

    @property
    def now_s(self) -> float:
        """Stream time of everything received."""
        return self.samples / RATE

    @property
    def speaking(self) -> bool:
        """Whether the VAD is inside speech."""
        return self._vad.analyzer.speaking

    def push(self, pcm: NDArray[np.int16]) -> list[VADEvent]:
        """Add audio; returns the VAD's start/stop events (stream time in `speech_ns`)."""
        self._pcm = np.concatenate((self._pcm, pcm))
        self.samples += len(pcm)
        events = self._vad.push(pcm)
        for ev in events:
            if ev.speaking and self.segment.speech_start_s is None:
                self.segment.speech_start_s = ev.speech_ns / 1e9
            elif not ev.speaking:
                self.segment.speech_end_s = ev.speech_ns / 1e9
        if self.segment.speech_start_s is None and len(self._pcm) > self._preroll:
            cut = len(self._pcm) - self._preroll  # nothing said yet: keep only the preroll
            self._pcm = self._pcm[cut:]
            self.segment.start_s += cut / RATE
        return events

    def has_speech(self) -> bool:
        """Whether the open segment holds speech."""
        return self.segment.speech_start_s is not None

    async def transcript(self) -> str:
        """Transcribe the open segment (off the loop)."""
        if not self.has_speech():
            return ""
        return await asyncio.to_thread(self._transcribe, self._pcm.copy())

    def cut(self) -> Segment:
        """Close the open segment at now; a new one starts (in speech if the VAD is)."""
        done = self.segment
        self._pcm = np.zeros(0, np.int16)
        self.segment = Segment(start_s=self.now_s, speech_start_s=self.now_s if self.speaking else None)
        return done


def words(text: str, start_s: float, end_s: float) -> list[dict[str, Any]]:
    """Deepgram word objects for `text`, spread evenly over [start_s, end_s]."""
    tokens = text.split()
    if not tokens:
        return []
    step = max(end_s - start_s, 0.01) / len(tokens)
    out = []
    for i, tok in enumerate(tokens):
        bare = tok.strip(".,?!;:\"'").lower() or tok.lower()
        out.append({
            "word": bare, "start": round(start_s + i * step, 3), "end": round(start_s + (i + 1) * step, 3),
            "confidence": 0.9, "punctuated_word": tok,
        })  # fmt: skip
    return out
