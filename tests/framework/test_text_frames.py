"""The text family: a handler gets the kind of text its annotation names, and no other."""

from __future__ import annotations

import pytest

from voicegraph.framework import Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    AnyTextFrame,
    Frame,
    InterimTranscriptFrame,
    LLMTextFrame,
    SentenceFrame,
    TextFrame,
    TranscriptFrame,
)

from .nodes import Upper


class AllText(Processor):
    """Counts every kind of text it gets, and passes it on."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: list[type[Frame]] = []

    @handles
    async def on_any_text(self, frame: AnyTextFrame, out: Outbox) -> None:
        self.kinds.append(type(frame))
        await out.send(frame)


def every_kind() -> list[AnyTextFrame]:
    return [
        InterimTranscriptFrame(text="what time"),
        TranscriptFrame(text="what time is it"),
        LLMTextFrame(text="It is"),
        SentenceFrame(text="It is noon."),
        TextFrame(text="plain"),
    ]


async def run(node: Processor, frames: list[AnyTextFrame]) -> list[Frame]:
    async with Runtime(Graph.chain(node)) as rt:
        out = rt.collect()
        for frame in frames:
            await rt.push(frame)
    return out


@pytest.mark.anyio
async def test_a_text_frame_handler_passes_transcripts_llm_text_and_sentences_untouched() -> None:
    sent = every_kind()
    upper = Upper()
    out = await run(upper, sent)
    assert [f.text for f in upper.seen] == ["plain"]
    got = [f for f in out if isinstance(f, AnyTextFrame)]
    assert got[:4] == sent[:4] and all(a is b for a, b in zip(got[:4], sent[:4], strict=True))
    assert type(got[4]) is TextFrame and got[4].text == "PLAIN"


@pytest.mark.anyio
async def test_an_any_text_frame_handler_gets_every_kind_of_text() -> None:
    node = AllText()
    await run(node, every_kind())
    assert node.kinds == [InterimTranscriptFrame, TranscriptFrame, LLMTextFrame, SentenceFrame, TextFrame]


def test_no_text_frame_subclasses_another_kind_of_text() -> None:
    assert not issubclass(TranscriptFrame, TextFrame)
    assert not issubclass(LLMTextFrame, TextFrame)
    assert not issubclass(SentenceFrame, TextFrame)
    assert all(isinstance(f, AnyTextFrame) for f in every_kind())


def test_the_family_base_is_never_made_itself() -> None:
    with pytest.raises(VoiceError) as err:
        AnyTextFrame(text="which kind?")
    assert err.value.code is ErrorCode.INVALID_INPUT
