"""Playout of real synthesized speech (eSpeak NG, real clock): a cut keeps the words heard."""

from __future__ import annotations

import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import OutputAudioFrame, ReplyPlayedFrame, SentenceFrame
from voicegraph.processors.tts.espeak_tts import EspeakTTS
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]

WORDS = "one two three four five six seven eight nine ten eleven twelve".split()


async def test_cut_espeak_reply_reports_a_prefix_of_its_words_matching_the_audio_played() -> None:
    client = MemoryTransport()
    up: list[ReplyPlayedFrame] = []
    graph = Graph.chain(client.input(), EspeakTTS(), client.output())
    async with Runtime(graph) as rt:
        rt.on_upstream(lambda f, _: up.append(f) if isinstance(f, ReplyPlayedFrame) else None)
        await rt.push(SentenceFrame(text=" ".join(WORDS)))
        chunks = 0
        while chunks < 50:  # one second of speech played
            chunks += isinstance(await client.next_output(), OutputAudioFrame)
        await rt.interrupt("barge-in")
    (report,) = up
    heard = report.text_played.split()
    assert report.interrupted and 0 < len(heard) < len(WORDS)
    assert heard == WORDS[: len(heard)]
    assert 980e6 <= report.played_ns <= 1020e6  # 49 chunks, and the 50th as far as it had played
    assert report.total_ns > report.played_ns
