"""SentenceAggregator: streamed LLM text in, sentences for TTS out."""

from __future__ import annotations

from voicegraph.framework.frames import (
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    SentenceFrame,
    TextFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.text.sentence_splitter import SentenceSplitter


class SentenceAggregator(Processor):
    """Joins streamed text (LLMTextFrame, TextFrame) into SentenceFrames for TTS.

    Handles: TextFrame and LLMTextFrame (aggregated); SentenceFrame (passed on after any
    pending text); LLM/response start and end markers (an end emits the pending rest, a
    start resets the early-clause rule). Other text (transcripts, a realtime model's
    `BotTranscriptFrame`) has no handler, so it passes through untouched.
    Emits: SentenceFrame per sentence; the first one of each response may end early at a
    clause (see `SentenceSplitter`). Latency: holds text until a sentence or clause is
    certain, i.e. one token past its punctuation. Flush: forgets pending text. Drain:
    emits the pending rest.

    Args:
        first_clause_words: words needed before the first clause of a response may be
            sent on its own (0 waits for whole sentences).
        max_words: longest sentence before a forced cut at a word boundary.
        first_max_words: longest first piece of a response, punctuation or not (0: off).
        first_stretch: words a first piece cut by `first_max_words` may grow by so as not
            to end on a word that leads on ("of", "the"...); 0: cut exactly. Each word
            waited for costs a token or two and some TTS time: 3 added ~20 ms to the first
            piece and ~25 ms to Piper's first audio (p50) in an A/B on the stock graph.
    """

    latency = LatencySpec(ms=0.0, note="waits for one token after the punctuation")

    def __init__(
        self,
        *,
        first_clause_words: int = 4,
        max_words: int = 50,
        first_max_words: int = 0,
        first_stretch: int = 0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._splitter = SentenceSplitter(
            first_clause_words=first_clause_words, max_words=max_words, first_max_words=first_max_words,
            first_stretch=first_stretch,
        )  # fmt: skip

    @handles(TextFrame, LLMTextFrame)
    async def on_text(self, frame: TextFrame | LLMTextFrame, out: Outbox) -> None:
        for piece in self._splitter.push(frame.text):
            await out.send(SentenceFrame(text=piece))

    @handles
    async def on_sentence(self, frame: SentenceFrame, out: Outbox) -> None:
        await self._emit_rest(out)
        await out.send(frame)

    @handles(LLMResponseStartFrame, ResponseStartFrame)
    async def on_response_start(self, frame: Frame, out: Outbox) -> None:
        await self._emit_rest(out)
        self._splitter.reset()
        await out.send(frame)

    @handles(LLMResponseEndFrame, ResponseEndFrame)
    async def on_response_end(self, frame: Frame, out: Outbox) -> None:
        await self._emit_rest(out)
        self._splitter.reset()
        await out.send(frame)

    async def _emit_rest(self, out: Outbox) -> None:
        rest = self._splitter.flush()
        if rest:
            await out.send(SentenceFrame(text=rest))

    async def on_flush(self) -> None:
        self._splitter.reset()

    async def on_drain(self, out: Outbox) -> None:
        await self._emit_rest(out)
