"""A plain-text node placed after a real STT passes the user's words through untouched."""

from __future__ import annotations

import pytest

from tests.framework.nodes import Upper
from tests.processors.stt.stt_harness import finals, push_speech
from tests.speech import with_pauses, word_accuracy
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import InterimTranscriptFrame, TextFrame, TranscriptFrame
from voicegraph.processors.stt import PocketSphinxSTT


@pytest.mark.anyio
async def test_a_text_frame_node_after_the_stt_leaves_the_transcripts_alone() -> None:
    said = "Please book a table for four people at seven tonight."
    pcm, segments = with_pauses([0.3, said, 0.5], engine="piper")
    shout = Upper()
    async with Runtime(Graph.chain(PocketSphinxSTT(), shout)) as rt:
        out = rt.collect()
        await push_speech(rt, pcm, segments, pace=0.005)
        await rt.push(TextFrame(text="plain"))
        await rt.end()
    (final,) = finals(out)
    assert shout.seen and [f.text for f in shout.seen] == ["plain"]
    assert type(final) is TranscriptFrame and word_accuracy(said, final.text) >= 0.5
    assert any(isinstance(f, InterimTranscriptFrame) for f in out)
    assert [f.text for f in out if type(f) is TextFrame] == ["PLAIN"]
