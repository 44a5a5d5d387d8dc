"""UserAggregator in a real Graph/Runtime: transcripts per turn in, one LLM request per turn out."""

from __future__ import annotations

import base64
import io
import wave

import numpy as np
import pytest

from voicegraph.framework import ErrorCode, Graph, Runtime, VirtualClock, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    EndFrame,
    Frame,
    InputAudioFrame,
    InterimTranscriptFrame,
    LLMMessagesFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.context import ConversationContext, UserAggregator

pytestmark = pytest.mark.anyio


def _requests(out: list[Frame]) -> list[LLMMessagesFrame]:
    return [f for f in out if isinstance(f, LLMMessagesFrame)]


async def test_final_transcripts_of_a_turn_become_one_user_message_at_the_turn_end() -> None:
    node = UserAggregator(system_prompt="Be brief.")
    async with Runtime(Graph.chain(node)) as rt:
        out = rt.collect()
        await rt.push(UserStartedSpeakingFrame())
        await rt.push(TranscriptFrame(text="I want to"))
        await rt.push(InterimTranscriptFrame(text="change my"))
        await rt.push(TranscriptFrame(text="change my booking"))
        assert _requests(out) == []
        await rt.push(TurnEndFrame())
    (request,) = _requests(out)
    assert request.messages == (
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "I want to change my booking"},
    )
    kinds = [type(f) for f in out if not isinstance(f, TranscriptFrame)]
    assert kinds == [UserStartedSpeakingFrame, TurnEndFrame, LLMMessagesFrame, EndFrame]


async def test_without_turn_events_each_final_transcript_is_a_turn() -> None:
    async with Runtime(Graph.chain(UserAggregator())) as rt:
        out = rt.collect()
        await rt.push(TranscriptFrame(text="hello"))
        await rt.push(TranscriptFrame(text="are you there"))
    first, second = _requests(out)
    assert first.messages == ({"role": "user", "content": "hello"},)
    assert [m["content"] for m in second.messages] == ["hello", "are you there"]


async def test_a_transcript_just_after_an_empty_turn_end_closes_that_turn() -> None:
    async with Runtime(Graph.chain(UserAggregator())) as rt:
        out = rt.collect()
        await rt.push(UserStoppedSpeakingFrame())
        await rt.push(TurnEndFrame())
        await rt.push(TranscriptFrame(text="late words"))
        assert len(_requests(out)) == 1
    assert _requests(out)[0].messages[-1] == {"role": "user", "content": "late words"}


async def test_a_slow_stt_transcript_long_after_an_empty_turn_end_still_closes_that_turn() -> None:
    clock = VirtualClock()
    async with Runtime(Graph.chain(UserAggregator()), clock=clock) as rt:
        out = rt.collect()
        await rt.push(UserStartedSpeakingFrame())
        await rt.push(UserStoppedSpeakingFrame())
        await rt.push(TurnEndFrame())
        clock.advance(5_000_000_000)  # the user waits in silence while the STT works
        await rt.push(TranscriptFrame(text="slow words"))
        assert len(_requests(out)) == 1, "answered without waiting for the user to speak again"
    assert _requests(out)[0].messages[-1] == {"role": "user", "content": "slow words"}


async def test_a_late_transcript_after_the_user_spoke_again_joins_the_new_turn() -> None:
    async with Runtime(Graph.chain(UserAggregator())) as rt:
        out = rt.collect()
        await rt.push(UserStoppedSpeakingFrame())
        await rt.push(TurnEndFrame())
        await rt.push(UserStartedSpeakingFrame())
        await rt.push(TranscriptFrame(text="first words"))
        assert _requests(out) == []
        await rt.push(TranscriptFrame(text="and more"))
        await rt.push(UserStoppedSpeakingFrame())
        await rt.push(TurnEndFrame())
    assert [r.messages[-1]["content"] for r in _requests(out)] == ["first words and more"]


async def test_a_pending_turn_is_closed_when_the_stream_ends() -> None:
    async with Runtime(Graph.chain(UserAggregator())) as rt:
        out = rt.collect()
        await rt.push(UserStartedSpeakingFrame())
        await rt.push(TranscriptFrame(text="bye"))
    assert [r.messages[-1]["content"] for r in _requests(out)] == ["bye"]


async def test_session_variables_from_the_runtime_metadata_render_the_system_prompt() -> None:
    node = UserAggregator(system_prompt="The caller is {caller_name}.", variables={"caller_name": "unknown"})
    graph = Graph.chain(node)
    async with Runtime(graph, metadata={"variables": {"caller_name": "Ada"}}) as rt:
        out = rt.collect()
        await rt.push(TranscriptFrame(text="hi"))
    assert _requests(out)[0].messages[0] == {"role": "system", "content": "The caller is Ada."}


async def test_a_missing_prompt_variable_fails_the_session_start_with_invalid_config() -> None:
    rt = Runtime(Graph.chain(UserAggregator(system_prompt="Hello {caller_name}.")))
    with pytest.raises(VoiceError) as info:
        await rt.start()
    assert info.value.code is ErrorCode.INVALID_CONFIG
    assert "caller_name" in info.value.message


def _wav_samples(part: dict[str, object]) -> np.ndarray:
    audio = part["input_audio"]
    assert isinstance(audio, dict) and audio["format"] == "wav"
    with wave.open(io.BytesIO(base64.b64decode(audio["data"]))) as w:
        assert (w.getframerate(), w.getnchannels()) == (16000, 1)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


async def test_the_turn_audio_rides_along_as_an_input_audio_part() -> None:
    tone = (np.sin(np.arange(3200) / 5.0) * 8000).astype("<i2")
    async with Runtime(Graph.chain(UserAggregator(include_audio=True))) as rt:
        out = rt.collect()
        await rt.push(InputAudioFrame(data=bytes(320), format=PCM16K))  # before speech: not kept
        await rt.push(UserStartedSpeakingFrame())
        for half in (tone[:1600], tone[1600:]):
            await rt.push(InputAudioFrame(data=half.tobytes(), format=PCM16K))
        await rt.push(TranscriptFrame(text="listen"))
        await rt.push(TurnEndFrame())
    content = _requests(out)[0].messages[-1]["content"]
    assert content[0] == {"type": "text", "text": "listen"}
    assert np.array_equal(_wav_samples(content[1]), tone)


async def test_only_the_newest_turn_keeps_its_audio_when_sent_again() -> None:
    context = ConversationContext()
    tone = np.full(800, 1000, dtype="<i2").tobytes()
    async with Runtime(Graph.chain(UserAggregator(context=context, include_audio=True))) as rt:
        out = rt.collect()
        for word in ("one", "two"):
            await rt.push(UserStartedSpeakingFrame())
            await rt.push(InputAudioFrame(data=tone, format=PCM16K))
            await rt.push(TranscriptFrame(text=word))
            await rt.push(TurnEndFrame())
    messages = _requests(out)[-1].messages
    assert messages[0] == {"role": "user", "content": "one"}
    assert [p["type"] for p in messages[1]["content"]] == ["text", "input_audio"]
