"""EspeakTTS: eSpeak NG speech synthesis in-process (formant synthesis, no model files)."""

from __future__ import annotations

from voicegraph.framework.errors import VoiceError
from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.tts.espeak_engine import EspeakEngine
from voicegraph.processors.tts.streaming_tts import SpeechEngine, StreamingTTS


class EspeakTTS(StreamingTTS):
    """Speaks text with eSpeak NG through `espeakng-loader` (pip extra `local`).

    Handles: TextFrame and SentenceFrame. Emits: 22.05 kHz mono s16 TTSAudioFrame
    chunks of `chunk_ms`, with eSpeak's own word events as `word_times_ms` (it may
    fold a short function word into the next). Latency: ~2 ms to the first chunk
    (synthesis runs ~500x faster than real time on one core).
    Flush: synthesis stops within one 60 ms engine buffer. Drain: nothing held.

    Args:
        voice: eSpeak voice name ("en-us", "en-gb", "fr", ...).
        words_per_minute: speaking rate.
        pitch: base pitch 0-100 (None keeps the voice's).
        chunk_ms: size of the emitted audio chunks.
        trim_leading: drop the lead-in silence of each text.

    Raises:
        VoiceError: `missing_dependency` without espeakng-loader; `invalid_config` for an
            unknown voice.
    """

    latency = LatencySpec(ms=5.0, note="eSpeak first buffer")

    def __init__(
        self,
        *,
        voice: str = "en-us",
        words_per_minute: int = 175,
        pitch: int | None = None,
        chunk_ms: float = 40.0,
        trim_leading: bool = True,
        name: str | None = None,
    ) -> None:
        try:
            engine = EspeakEngine(voice=voice, words_per_minute=words_per_minute, pitch=pitch)
        except VoiceError as exc:
            raise exc.with_node(name or type(self).__name__) from None
        super().__init__(
            sample_rate=engine.sample_rate, chunk_ms=chunk_ms, trim_leading=trim_leading, name=name
        )
        self._espeak = engine

    def _load_engine(self) -> SpeechEngine:
        return self._espeak
