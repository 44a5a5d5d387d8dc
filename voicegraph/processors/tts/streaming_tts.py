"""StreamingTTS: the shared processor for in-process TTS engines that stream from a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, ClassVar, Protocol

from voicegraph.framework.bus import MetricsEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import SentenceFrame, TextFrame, TTSAudioFrame
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.tts.audio_chunker import AudioChunker, SpeechChunk, WordTimes

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np
    from numpy.typing import NDArray

    from voicegraph.framework.bus import Bus
    from voicegraph.framework.context import StartContext

_Item = tuple[SpeechChunk, str] | BaseException | None
"""A chunk and the text that starts with it (or ""), an engine error, or the end."""


class SpeechEngine(Protocol):
    """A blocking, thread-safe synthesizer that streams buffers to a sink."""

    @property
    def sample_rate(self) -> int:
        """Output rate in Hz."""
        ...

    def speak(self, text: str, sink: Callable[[NDArray[np.int16], WordTimes], bool]) -> None:
        """Synthesize `text`; `sink(pcm, words)` gets each buffer and returns False to stop."""
        ...


class StreamingTTS(Processor):
    """Base of the in-process TTS nodes: speaks each TextFrame/SentenceFrame it gets.

    Handles: TextFrame and SentenceFrame (spoken); other text (transcripts, LLMTextFrame,
    a realtime model's BotTranscriptFrame) has no handler and passes through unspoken
    (put a SentenceAggregator before TTS for LLM tokens). Emits:
    TTSAudioFrame chunks of `chunk_ms` as the engine produces them; every chunk carries
    the words that start in it (`word_times_ms`), and `text` rides on the chunk that
    holds the text's first word (the first chunk when the engine times no words), so a
    text and its timing reach the output together even behind a long lead-in. Latency:
    the engine's time to its first buffer. Flush: stops the running synthesis within one
    engine buffer and drops what was not sent. Drain: nothing held (each text is spoken
    by its own handler call).

    Subclasses set `sample_rate` at construction and build the engine in `_load_engine`
    (run off the event loop in `on_start`).
    """

    concurrent: ClassVar[bool] = True

    def __init__(
        self, *, sample_rate: int, chunk_ms: float = 40.0, trim_leading: bool = True, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        if not 5.0 <= chunk_ms <= 1000.0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"chunk_ms {chunk_ms} outside 5..1000", node=self.name)
        self._format = AudioFormat(sample_rate, 1, SampleFormat.S16)
        self._chunk_ms = chunk_ms
        self._trim = trim_leading
        self._engine: SpeechEngine | None = None
        self._stop: threading.Event | None = None
        self._bus: Bus | None = None
        self.load_ms = 0.0
        """Time the engine took to load in `on_start`."""

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """Mono s16 at the engine's rate, whatever comes in."""
        return self._format

    def _load_engine(self) -> SpeechEngine:
        """Build the engine (blocking; runs in a worker thread)."""
        raise NotImplementedError

    def load_engines(self) -> None:
        """Load the engine (shared per process by the subclasses; blocking, for preloading)."""
        self._load_engine()

    def warm_engines(self) -> None:
        """Speak one short sentence into nothing: pays the first run's costs (blocking)."""
        self._load_engine().speak("Hello there.", lambda _pcm, _words: True)

    async def on_start(self, ctx: StartContext) -> None:
        t0 = time.perf_counter()
        self._engine = await asyncio.to_thread(self._load_engine)
        self.load_ms = (time.perf_counter() - t0) * 1000
        self._bus = ctx.bus

    @handles(TextFrame, SentenceFrame)
    async def on_text(self, frame: TextFrame | SentenceFrame, out: Outbox) -> None:
        if frame.text.strip():
            await self._speak(frame.text, out)

    async def on_flush(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def _speak(self, text: str, out: Outbox) -> None:
        engine = self._engine
        if engine is None:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, "TTS used before on_start", node=self.name)
        loop = asyncio.get_running_loop()
        # Unbounded, but holds at most the audio of this one text (a sentence, typically).
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        stop = self._stop = threading.Event()

        def put(item: _Item) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop has closed: nobody is listening any more
                stop.set()

        work = self._worker(engine, text, stop, put)
        t0 = time.perf_counter()
        loop.run_in_executor(None, work)  # not awaited: a flush must not wait for the engine
        first = True
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise VoiceError(
                        ErrorCode.PIPELINE_ERROR, f"synthesis failed: {item!r}", node=self.name
                    ) from item
                chunk, says = item
                audio = TTSAudioFrame(
                    data=chunk.pcm.tobytes(), format=self._format, text=says, word_times_ms=chunk.words
                )
                if first:
                    self._metric("ttfb_ms", (time.perf_counter() - t0) * 1000)
                    first = False
                await out.send(audio)
        finally:
            stop.set()

    def _worker(
        self, engine: SpeechEngine, text: str, stop: threading.Event, put: Callable[[_Item], object]
    ) -> Callable[[], None]:
        chunker = AudioChunker(engine.sample_rate, chunk_ms=self._chunk_ms, trim_leading=self._trim)
        due = text  # the text, until the chunk it goes with is out
        timed = False  # the engine gave word timings

        def send(chunk: SpeechChunk) -> None:
            nonlocal due
            says, due = (due, "") if chunk.words or not timed else ("", due)
            put((chunk, says))

        def sink(pcm: NDArray[np.int16], words: WordTimes) -> bool:
            nonlocal timed
            if stop.is_set():
                return False
            timed = timed or bool(words)
            for chunk in chunker.feed(pcm, words):
                send(chunk)
            return not stop.is_set()

        def run() -> None:
            try:
                engine.speak(text, sink)
                last = chunker.flush()
                if last is not None and not stop.is_set():
                    send(last)
                put(None)
            except Exception as exc:
                put(exc)

        return run

    def _metric(self, key: str, value: float) -> None:
        if self._bus is not None:
            self._bus.publish(MetricsEvent(graph=self._bus.name, node=self.name, values={key: value}))
