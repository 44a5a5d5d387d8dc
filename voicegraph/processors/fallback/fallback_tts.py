"""FallbackTTS: a TTS slot served by a chain of TTS engines, best first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from voicegraph.framework.errors import NotNegotiatedError
from voicegraph.framework.frames import (
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    SentenceFrame,
    TextFrame,
    TTSAudioFrame,
)
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.fallback.fallback_node import FallbackNode

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat


@dataclass(slots=True)
class _Said:
    frame: TextFrame | SentenceFrame
    started: bool = False
    """Audio of this text has gone out: it is never said again (a cut sentence stays cut)."""


class FallbackTTS(FallbackNode):
    """Speaks with the first healthy TTS engine of `engines`; on a failure mid-reply the
    next engine says the reply's texts whose audio had not started yet.

    Handles: `TextFrame`/`SentenceFrame` and the reply markers
    (`LLMResponseStartFrame`/`ResponseStartFrame`, `LLMResponseEndFrame`/`ResponseEndFrame`).
    Emits: the active engine's `TTSAudioFrame`s and the markers, once each. A new reply (or
    a text outside one) picks the first healthy engine. On a switch the failed engine is
    flushed (its context cancelled: no late audio of it is let through) and the new one
    gets the reply start, then every text without audio yet, then the end if it had come.
    Stall detection: no audio for `attempt_timeout_s` while a call into the engine waits
    (Cartesia waits for `done` at the reply's end). Probe: the engine must speak "Hello."
    Latency: the active engine's. Flush: every engine's `on_flush`; the reply is forgotten.
    Drain: the active engine's. All engines must produce the same audio format (set their
    `sample_rate`), else the build fails (`not_negotiated`).
    """

    content = (TTSAudioFrame,)
    role: ClassVar[str] = "tts"
    """The slot it fills (processor slots and the graph checks place it by role)."""

    _start: Frame | None
    _end: Frame | None
    _said: list[_Said]

    def reset_turn(self) -> None:
        self._start = self._end = None
        self._said = []

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """The engines' common output format.

        Raises:
            NotNegotiatedError: (not_negotiated) two engines speak in different formats.
        """
        first = self.engines[0].output_format(input_format)
        for i, engine in enumerate(self.engines[1:], 1):
            fmt = engine.output_format(input_format)
            if fmt != first:
                raise NotNegotiatedError(f"engines[{i}] outputs {fmt}, engines[0] {first}: set the same "
                                         "sample_rate on every engine", node=self.name)  # fmt: skip
        return first

    @handles(LLMResponseStartFrame, ResponseStartFrame)
    async def on_reply_start(self, frame: Frame, out: Outbox) -> None:
        self._begin()
        self._start = frame
        await self.dispatch(frame)

    @handles(TextFrame, SentenceFrame)
    async def on_text(self, frame: TextFrame | SentenceFrame, out: Outbox) -> None:
        if self._start is None:
            self._begin()
        self._said.append(_Said(frame))
        await self.dispatch(frame)
        if self._start is None:
            self._said.clear()

    @handles(LLMResponseEndFrame, ResponseEndFrame)
    async def on_reply_end(self, frame: Frame, out: Outbox) -> None:
        self._end = frame
        await self.dispatch(frame)
        self.reset_turn()

    def _begin(self) -> None:
        self.reset_turn()
        self.new_turn()

    def replay_frames(self) -> list[Frame]:
        frames: list[Frame] = [] if self._start is None else [self._start]
        frames += [s.frame for s in self._said if not s.started]
        if self._end is not None:
            frames.append(self._end)
        return frames

    def on_output(self, index: int, frame: Frame) -> list[Frame]:
        if isinstance(frame, TTSAudioFrame):
            self._mark_started(frame.text.strip())
        return [frame]

    def _mark_started(self, text: str) -> None:
        """Engines tag the first audio piece of each text with it (untagged pieces continue
        the text before): that text and every one before it have started."""
        if not text:
            return
        for k, s in enumerate(self._said):
            if not s.started and s.frame.text.strip() == text:
                for earlier in self._said[: k + 1]:
                    earlier.started = True
                return

    async def probe(self, index: int) -> None:
        await self.probe_call(index, SentenceFrame(text="Hello."), want_output=True)
