"""Processor.add_handler: handlers added to one instance at run time."""

from __future__ import annotations

import pytest

from voicegraph.framework import ErrorCode, Graph, Outbox, Processor, Runtime, VoiceError
from voicegraph.framework.frames import AnyTextFrame, Frame, TextFrame, TranscriptFrame

from .nodes import texts

pytestmark = pytest.mark.anyio


class Shouter(Processor):
    """Upper-cases every text it is given a handler for."""

    async def shout(self, frame: Frame, out: Outbox) -> None:
        assert isinstance(frame, AnyTextFrame)
        await out.send(TextFrame(text=frame.text.upper()))


async def test_added_handler_takes_its_type_and_subclasses_on_this_instance_only() -> None:
    node, plain = Shouter(), Shouter(name="plain")
    node.add_handler(AnyTextFrame, node.shout)  # the family's base: transcripts too
    async with Runtime(Graph.chain(node, plain)) as rt:
        out = rt.collect()
        await rt.push(TextFrame(text="a"))
        await rt.push(TranscriptFrame(text="b"))
    assert texts(out) == ["A", "B"]


async def test_handler_added_while_running_applies_to_the_next_frame() -> None:
    node = Shouter()
    async with Runtime(Graph.chain(node)) as rt:
        out = rt.collect()
        await rt.push(TextFrame(text="before"))
        node.add_handler(TextFrame, node.shout)
        await rt.push(TextFrame(text="after"))
    assert texts(out) == ["before", "AFTER"]


def test_add_handler_refuses_a_type_that_is_not_a_frame() -> None:
    node = Shouter()
    with pytest.raises(VoiceError) as info:
        node.add_handler(str, node.shout)  # type: ignore[arg-type]
    assert info.value.code is ErrorCode.INVALID_CONFIG
