"""The user's utterance audio reaches an audio-capable model as an `input_audio` content part."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from tests.speech import synthesize
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    InputAudioFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.processors.agent import LLMNode
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]


async def test_the_request_carries_the_spoken_turn_as_wav_beside_its_transcript() -> None:
    speech = synthesize("what is the weather like")
    pcm = np.ascontiguousarray(speech, dtype="<i2").tobytes()
    context = ConversationContext()
    async with FakeOpenAIChatServer() as server:
        server.default = FakeReply(texts=("Sunny.",))
        graph = Graph.chain(
            UserAggregator(context=context, include_audio=True),
            LLMNode(base_url=server.base_url, model="gpt-4o-audio-preview", retry={"max_attempts": 1}),
            AssistantAggregator(context=context, commit_on="generated"),
        )
        async with Runtime(graph) as rt:
            await rt.push(UserStartedSpeakingFrame())
            for i in range(0, len(pcm), 640):
                await rt.push(InputAudioFrame(data=pcm[i : i + 640], format=PCM16K))
            await rt.push(TranscriptFrame(text="what is the weather like"))
            await rt.push(TurnEndFrame())
    (request,) = server.requests
    text_part, audio_part = request.body["messages"][-1]["content"]
    assert text_part == {"type": "text", "text": "what is the weather like"}
    wav = base64.b64decode(audio_part["input_audio"]["data"])
    assert audio_part["input_audio"]["format"] == "wav" and wav[:4] == b"RIFF"
    assert len(wav) == 44 + len(pcm)
    assert context.history()[-1] == {"role": "assistant", "content": "Sunny."}
