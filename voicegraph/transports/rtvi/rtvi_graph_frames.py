"""RTVIGraphFrames: which frames inside a graph stand for RTVI events, each told once."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from voicegraph.framework.frames.llm import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.framework.frames.text import InterimTranscriptFrame, TranscriptFrame
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

INNER: frozenset[type[Frame]] = frozenset(
    {LLMTextFrame, LLMResponseStartFrame, LLMResponseEndFrame, LLMToolCallFrame,
     TranscriptFrame, InterimTranscriptFrame}
)  # fmt: skip
"""Frame types an agent's later nodes may consume (the sentence aggregator eats the LLM
tokens) or hold behind a reply being spoken (a transcript queued behind the TTS), so
their RTVI events are taken where they first cross a link, not at the output."""

REMEMBERED = 512
"""Frames remembered for deduplication (a frame crosses a few links within milliseconds)."""


class RTVIGraphFrames:
    """Picks, among the frames crossing a session graph's links, those RTVI tells the client.

    A frame counts once, the first time it is seen (on a link or at the output): it
    crosses several links and fans out. Identity is the object (kept alive while
    remembered, so its `id` cannot be reused). A droppable frame of an interrupted
    epoch is never told (its reply was cut: no `bot-llm-text` after `bot-interrupted`).
    Cost for other frames: one set lookup. I/O-free.
    """

    def __init__(self) -> None:
        self._seen: OrderedDict[int, Frame] = OrderedDict()

    def first_inside(self, frame: Frame, epoch: int) -> bool:
        """Whether `frame`, crossing a link while the graph is at `epoch`, is told now."""
        if type(frame) not in INNER:
            return False
        if frame.droppable and frame.epoch < epoch:
            return False
        return self._remember(frame)

    def first_at_output(self, frame: Frame) -> bool:
        """Whether `frame`, reaching the output, was not told already from inside."""
        if type(frame) not in INNER:
            return True
        return self._remember(frame)

    def _remember(self, frame: Frame) -> bool:
        key = id(frame)
        if key in self._seen:
            return False
        self._seen[key] = frame
        if len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)
        return True
