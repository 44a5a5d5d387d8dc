"""The whole reply path with real speech: agent -> sentences -> eSpeak -> aggregator -> paced playout."""

from __future__ import annotations

import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import OutputAudioFrame, ReplyPlayedFrame, TranscriptFrame
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts.espeak_tts import EspeakTTS
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

REPLY = "One two three four five six. Seven eight nine ten eleven twelve."


def _graph(client: MemoryTransport, context: ConversationContext, reply: str = REPLY) -> Graph:
    return Graph.chain(
        client.input(),
        UserAggregator(context=context),
        ScriptedAgent(script=[reply]),
        SentenceAggregator(),
        EspeakTTS(),
        AssistantAggregator(context=context),
        client.output(),
    )


async def test_a_reply_heard_to_the_end_is_kept_whole() -> None:
    client, context = MemoryTransport(), ConversationContext()
    async with Runtime(_graph(client, context, "One, two. Three.")) as rt:
        await rt.push(TranscriptFrame(text="count for me"))
    assert context.history() == [
        {"role": "user", "content": "count for me"},
        {"role": "assistant", "content": "One, two. Three."},
    ]


async def test_a_barge_in_keeps_only_a_prefix_of_the_words_heard() -> None:
    client, context = MemoryTransport(), ConversationContext()
    reports: list[ReplyPlayedFrame] = []
    async with Runtime(_graph(client, context)) as rt:
        rt.on_upstream(lambda f, _: reports.append(f) if isinstance(f, ReplyPlayedFrame) else None)
        await rt.push(TranscriptFrame(text="count for me"))
        chunks = 0
        while chunks < 60:  # 1.2 s of speech played
            chunks += isinstance(await client.next_output(), OutputAudioFrame)
        await rt.interrupt("barge-in")
    heard = context.history()[-1]
    assert heard["role"] == "assistant" and reports[0].interrupted
    words = heard["content"].split()
    assert 0 < len(words) < len(REPLY.split())
    assert words == REPLY.split()[: len(words)]
