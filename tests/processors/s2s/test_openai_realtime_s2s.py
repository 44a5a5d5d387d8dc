"""The realtime S2S node against the fake realtime server: audio in, the model's speech out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import (
    CHUNK,
    audio_out,
    chunks,
    of_type,
    push_utterance,
    utterance,
)
from tests.speech import synthesize
from voicegraph.framework import Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.formats import PCM24K, AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    LLMTextFrame,
    MetricsFrame,
    OutputAudioFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.pcm import mulaw_encode
from voicegraph.processors.audio import Gain
from voicegraph.processors.s2s import BotTranscriptFrame, OpenAIRealtimeS2S
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.transports import MemoryTransport

pytestmark = pytest.mark.anyio

REPLY = "Sure, I can help with that."
SCRIPT = RealtimeScript([ScriptedTurn(reply=REPLY, transcript="can you help me")])


class FrameTap(Processor):
    """A custom processor: records every frame passing through."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        self.seen: list[Frame] = []

    @handles
    async def on_frame(self, frame: Frame, out: Outbox) -> None:
        self.seen.append(frame)
        await out.send(frame)


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer(SCRIPT) as srv:
        yield srv


async def one_turn(server: FakeRealtimeServer, node: OpenAIRealtimeS2S, *extra: Processor) -> list[Frame]:
    """Run `node` (then `extra`) on one spoken turn; the frames leaving the graph."""
    async with Runtime(Graph.chain(node, *extra)) as rt:
        out = rt.collect()
        await push_utterance(rt, "can you help me")
        await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
    return out


async def test_user_speech_in_gives_the_models_speech_out_with_no_stt_or_tts_node(
    server: FakeRealtimeServer,
) -> None:
    client = MemoryTransport(input_format=PCM24K)
    before, node, after = Gain(gain=1.0), OpenAIRealtimeS2S(url=server.url, api_key=None), FrameTap()
    graph = Graph.chain(client.input(), before, node, after, client.output())
    played = b""
    async with Runtime(graph):
        for piece in chunks(utterance("can you help me")):
            await client.send_audio(piece)
        await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
        expected = bytes(server.responses[0].audio)
        async with asyncio.timeout(10):
            while len(played) < len(expected):
                frame = await client.next_output()
                if isinstance(frame, OutputAudioFrame):
                    played += frame.data
    assert played == expected
    assert {type(p).__name__ for p in graph.processors.values()} == {
        "ConnectionInput", "Gain", "OpenAIRealtimeS2S", "FrameTap", "ConnectionOutput",
    }  # fmt: skip
    assert audio_out(after.seen) == expected


async def test_reply_is_framed_by_response_markers_with_the_provider_response_id(
    server: FakeRealtimeServer,
) -> None:
    out = await one_turn(server, OpenAIRealtimeS2S(url=server.url, api_key=None))
    starts, ends = of_type(out, ResponseStartFrame), of_type(out, ResponseEndFrame)
    assert [s.response_id for s in starts] == [e.response_id for e in ends] == [server.responses[0].id]
    first_audio = next(i for i, f in enumerate(out) if isinstance(f, OutputAudioFrame))
    assert out.index(starts[0]) < first_audio < out.index(ends[0])


async def test_bot_transcript_streams_deltas_then_the_whole_reply(server: FakeRealtimeServer) -> None:
    out = await one_turn(server, OpenAIRealtimeS2S(url=server.url, api_key=None))
    texts = of_type(out, BotTranscriptFrame)
    assert "".join(t.text for t in texts if not t.final) == REPLY
    assert [t.text for t in texts if t.final] == [REPLY]


async def test_user_transcripts_come_out_when_transcription_is_on(server: FakeRealtimeServer) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key=None, transcription_model="gpt-4o-mini-transcribe")
    out = await one_turn(server, node)
    finals = [f.text for f in of_type(out, TranscriptFrame) if f.final]
    assert finals == ["can you help me"]


async def test_provider_vad_reports_user_speech_and_first_audio_latency(server: FakeRealtimeServer) -> None:
    out = await one_turn(server, OpenAIRealtimeS2S(url=server.url, api_key=None))
    assert len(of_type(out, UserStartedSpeakingFrame)) == len(of_type(out, UserStoppedSpeakingFrame)) == 1
    (metric,) = [
        m.values["first_audio_ms"] for m in of_type(out, MetricsFrame) if "first_audio_ms" in m.values
    ]
    assert 0 < metric < 2000


async def test_semantic_vad_turns_get_the_reply_too(server: FakeRealtimeServer) -> None:
    out = await one_turn(
        server, OpenAIRealtimeS2S(url=server.url, api_key=None, turn_detection="semantic_vad")
    )
    vad = server.events("session.update")[0]["session"]["audio"]["input"]["turn_detection"]
    assert vad["type"] == "semantic_vad"
    assert audio_out(out) == bytes(server.responses[0].audio)


async def test_beta_protocol_sends_the_beta_header_and_reads_beta_event_names(
    server: FakeRealtimeServer,
) -> None:
    out = await one_turn(server, OpenAIRealtimeS2S(url=server.url, api_key=None, protocol="beta"))
    assert "response.audio.delta" in server.connections[0].sent_types
    assert "input_audio_format" in server.events("session.update")[0]["session"]
    assert audio_out(out) == bytes(server.responses[0].audio)


async def test_g711_session_takes_and_gives_mulaw(server: FakeRealtimeServer) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key=None, audio_format="pcmu")
    mulaw = AudioFormat(8000, 1, SampleFormat.MULAW)
    speech = np.concatenate([synthesize("can you help me", rate=8000), np.zeros(6000, np.int16)])
    async with Runtime(Graph.chain(node)) as rt:
        out = rt.collect()
        data = mulaw_encode(speech)
        for i in range(0, len(data), 160):
            await rt.push(InputAudioFrame(data=data[i : i + 160], format=mulaw))
        await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
    assert {f.format for f in of_type(out, OutputAudioFrame)} == {mulaw}
    assert audio_out(out) == bytes(server.responses[0].audio)


async def test_text_only_session_emits_llm_text_for_a_tts_node(server: FakeRealtimeServer) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key=None, output_modalities=("text",))
    out = await one_turn(server, node)
    assert "".join(f.text for f in of_type(out, LLMTextFrame)) == REPLY
    assert not of_type(out, OutputAudioFrame)


async def test_local_vad_and_turn_nodes_drive_commit_and_reply(server: FakeRealtimeServer) -> None:
    vad = VoiceActivityDetector(engine="energy")
    turns = SilenceTurnDetector(min_delay=0.3)
    node = OpenAIRealtimeS2S(url=server.url, api_key=None, turn_detection="none")
    async with Runtime(Graph.chain(vad, turns, node)) as rt:
        out = rt.collect()
        for piece in chunks(utterance("can you help me")):
            await rt.push(InputAudioFrame(data=piece, format=PCM24K))
            await asyncio.sleep(0.004)  # the turn timer runs on the graph clock
        await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
    kinds = [e["type"] for e in server.events() if e["type"] != "input_audio_buffer.append"]
    assert kinds == ["session.update", "input_audio_buffer.commit", "response.create", "session.update"]
    assert of_type(out, TurnEndFrame)
    assert audio_out(out) == bytes(server.responses[0].audio)


async def test_a_long_input_frame_goes_out_in_appends_of_at_most_append_ms(
    server: FakeRealtimeServer,
) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key=None, options={"append_ms": 40})
    async with Runtime(Graph.chain(node)) as rt:
        await rt.push(InputAudioFrame(data=utterance("can you help me"), format=PCM24K))
        await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
    sizes = [e["audio"] for e in server.events("input_audio_buffer.append")]
    assert max(sizes) == 2 * CHUNK and sum(sizes) == len(utterance("can you help me"))


async def test_an_imported_conversation_is_replayed_before_any_audio(server: FakeRealtimeServer) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key=None)
    node.import_conversation({"messages": [{"role": "user", "content": "my name is Ada"}]})
    await one_turn(server, node)
    kinds = [e["type"] for e in server.events()]
    assert kinds[:2] == ["session.update", "conversation.item.create"]
    assert server.events("conversation.item.create")[0]["item"]["content"][0]["text"] == "my name is Ada"
    assert node.export_conversation()["messages"][0] == {"role": "user", "content": "my name is Ada"}
