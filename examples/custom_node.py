"""A custom node: a `Processor` subclass that declares its handlers with `@handles`.

Shows: a handler per frame type (the type is read from the annotation), frames the node
has no handler for passing through untouched, state kept per node, `on_flush` (an
interruption: forget, emit nothing) and `on_drain` (the end of the stream: emit the
rest). `NumberMasker` hides digits in the user's transcripts before they reach an LLM
or a log, and reports how many it masked when the stream ends.

Run:  python examples/custom_node.py           (or with --smoke: the same, it takes ~1 s)
"""

from __future__ import annotations

import argparse
import asyncio
import re

from voicegraph.framework import Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.frames import TextFrame, TranscriptFrame

_DIGITS = re.compile(r"\d")


class NumberMasker(Processor):
    """Masks every digit of the user's transcripts with `#`.

    Handles `TranscriptFrame`; emits it with digits masked. Other frames (the bot's
    text, audio, control) pass through untouched. Latency: none (no waiting).
    Flush: nothing to forget. Drain: emits one `TextFrame` with the count masked.
    """

    def __init__(self, *, mask: str = "#", name: str | None = None) -> None:
        super().__init__(name=name)
        self._mask = mask
        self.masked = 0

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        text, count = _DIGITS.subn(self._mask, frame.text)
        self.masked += count
        # Frames are frozen: "changing" one means sending a new one.
        await out.send(TranscriptFrame(text=text, final=frame.final))

    async def on_drain(self, out: Outbox) -> None:
        await out.send(TextFrame(text=f"[masked {self.masked} digits]"))


async def main() -> None:
    async with Runtime(Graph.chain(NumberMasker())) as rt:
        out = rt.collect()  # everything that leaves the graph, in order
        await rt.push(TranscriptFrame(text="my card is 4111 1111"))
        await rt.push(TextFrame(text="bot text 42 passes through"))  # no handler: untouched
        await rt.push(TranscriptFrame(text="and the code is 123"))
    # Leaving the block ended the stream: on_drain ran and its frame came out last.
    for frame in out:
        if isinstance(frame, TranscriptFrame | TextFrame):
            print(f"{type(frame).__name__}: {frame.text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the same run (it is already short)")
    parser.parse_args()
    asyncio.run(main())
