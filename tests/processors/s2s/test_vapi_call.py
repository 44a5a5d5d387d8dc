"""The Vapi call node through the fake Vapi: a conversation, barge-in, say and hang-up."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.fakes.vapi_server import FakeVapiServer
from tests.processors.s2s.vapi_helpers import speak, until, until_event
from tests.speech import synthesize
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K, AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    EndCallFrame,
    Frame,
    InterruptFrame,
    OutputAudioFrame,
    TranscriptFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.processors.s2s.vapi_call import VapiCall
from voicegraph.processors.s2s.vapi_call_frames import VapiEventFrame, VapiSayFrame
from voicegraph.transports import MemoryTransport

pytestmark = pytest.mark.anyio


def node_for(vapi: FakeVapiServer) -> VapiCall:
    return VapiCall(api_key=vapi.api_key, base_url=vapi.base_url, assistant_id="asst-echo")


async def test_a_call_turn_returns_the_assistants_speech_and_events() -> None:
    client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
    async with FakeVapiServer() as vapi:
        node = node_for(vapi)
        async with Runtime(Graph.chain(client.input(), node, client.output())):
            await speak(client, "hello world")
            await until_event(client, seen, "speech-update", role="assistant", status="stopped")
        session = vapi.session()
    transcripts = [f for f in seen if isinstance(f, TranscriptFrame)]
    assert any(isinstance(f, BotStartedSpeakingFrame) for f in seen)  # the output played a reply
    audio = b"".join(f.data for f in seen if isinstance(f, OutputAudioFrame))
    assert len(audio) >= PCM16K.bytes_for(500_000_000)  # the echoed utterance came back as audio
    assert transcripts and transcripts[0].text  # PocketSphinx heard words
    body = vapi.requests[0][2]
    assert body["transport"] == {
        "provider": "vapi.websocket",
        "audioFormat": {"format": "pcm_s16le", "container": "raw", "sampleRate": 16000},
    }
    assert len(session.audio_in) >= PCM16K.bytes_for(1_000_000_000)
    assert {"type": "hangup"} in session.received  # graph end hangs up


async def test_talking_over_the_assistant_interrupts_its_audio() -> None:
    client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
    async with FakeVapiServer(
        first_message="Once upon a time there was a little town by the sea where fishermen lived"
    ) as vapi:
        async with Runtime(Graph.chain(client.input(), node_for(vapi), client.output())):
            await until(client, seen, OutputAudioFrame)
            await asyncio.sleep(0.6)
            await speak(client, "stop please")
            await until(client, seen, InterruptFrame)
            await until_event(client, seen, "user-interrupted")
        session = vapi.session()
    assert session.interruptions == 1
    events = [f.event for f in seen if isinstance(f, VapiEventFrame)]
    assert "user-interrupted" in events
    played = sum([len(f.data) for f in seen if isinstance(f, OutputAudioFrame)])
    assert played < len(synthesize(session.first_message, rate=16000)) * 2  # cut short


async def test_vapi_ending_the_call_emits_an_end_call_frame_after_the_said_line() -> None:
    client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
    async with FakeVapiServer(pace=4.0) as vapi:
        async with Runtime(Graph.chain(client.input(), node_for(vapi), client.output())) as rt:
            await rt.push(VapiSayFrame(text="Goodbye now", end_call_after=True))
            end = await until(client, seen, EndCallFrame)
        session = vapi.session()
    assert isinstance(end, EndCallFrame) and "assistant-ended-call" in end.reason
    assert {"type": "say", "content": "Goodbye now", "endCallAfterSpoken": True} in session.received
    assert any(isinstance(f, OutputAudioFrame) for f in seen)
    assert vapi.calls[session.call["id"]]["status"] == "ended"


async def test_a_wrong_api_key_fails_the_start_with_authentication_failed() -> None:
    client = MemoryTransport(input_format=PCM16K)
    async with FakeVapiServer() as vapi:
        node = VapiCall(api_key="wrong", base_url=vapi.base_url, assistant_id="a")
        with pytest.raises(VoiceError) as err:
            async with Runtime(Graph.chain(client.input(), node, client.output())):
                pass
    assert err.value.code is ErrorCode.AUTHENTICATION_FAILED


def test_a_missing_api_key_is_a_config_error_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAPI_API_KEY", raising=False)
    with pytest.raises(VoiceError) as err:
        VapiCall(assistant_id="a")
    assert err.value.code is ErrorCode.INVALID_CONFIG and "api_key" in err.value.message


async def test_local_vad_hearing_the_user_over_the_assistant_interrupts_its_audio() -> None:
    client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
    async with FakeVapiServer(first_message="Once upon a time there was a little town by the sea") as vapi:
        async with Runtime(Graph.chain(client.input(), node_for(vapi), client.output())) as rt:
            await until(client, seen, OutputAudioFrame)
            await rt.push(UserStartedSpeakingFrame())
            await until(client, seen, InterruptFrame)


async def test_the_call_socket_closing_ends_the_call() -> None:
    client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
    async with FakeVapiServer() as vapi:
        async with Runtime(Graph.chain(client.input(), node_for(vapi), client.output())):
            await until_event(client, seen, "status-update", status="in-progress")
            ws = vapi.session()._ws
            assert ws is not None
            await ws.close()
            end = await until(client, seen, EndCallFrame)
    assert isinstance(end, EndCallFrame) and end.reason == "vapi: socket-closed"


async def test_a_graph_spec_places_the_node_by_its_registered_type() -> None:
    from voicegraph.backends.graph_factory import graph_factory
    from voicegraph.backends.providers import register_builtin

    register_builtin()  # the venv's entry points may predate vapi_call
    client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
    async with FakeVapiServer(pace=4.0) as vapi:
        params = {
            "api_key": vapi.api_key,
            "base_url": vapi.base_url,
            "assistant_id": "a",
            "sample_rate": 16000,
        }
        factory = graph_factory(
            {"name": "vapi", "nodes": [{"id": "vapi", "type": "vapi_call", "params": params}]}
        )
        async with Runtime(factory(client)) as rt:
            await rt.push(VapiSayFrame(text="Hello", end_call_after=True))
            await until(client, seen, EndCallFrame)
    assert any(isinstance(f, OutputAudioFrame) for f in seen)


async def test_live_call_control_on_the_control_url_reaches_the_call() -> None:
    client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
    async with FakeVapiServer(pace=4.0) as vapi:
        node = node_for(vapi)
        async with Runtime(Graph.chain(client.input(), node, client.output())):
            await until_event(client, seen, "status-update", status="in-progress")
            control_url = node.call["monitor"]["controlUrl"]
            async with httpx.AsyncClient() as http:
                said = await http.post(
                    control_url, json={"type": "say", "content": "Hello there", "endCallAfterSpoken": True}
                )
            end = await until(client, seen, EndCallFrame)
    assert said.status_code == 200 and isinstance(end, EndCallFrame)
    assert any(isinstance(f, OutputAudioFrame) for f in seen)


async def test_a_mulaw_call_carries_g711_on_the_socket_and_pcm_in_the_graph() -> None:
    pcm8k = AudioFormat(8000, 1, SampleFormat.S16)
    client, seen = MemoryTransport(input_format=pcm8k), list[Frame]()
    async with FakeVapiServer() as vapi:
        node = VapiCall(api_key=vapi.api_key, base_url=vapi.base_url, assistant_id="a", audio_format="mulaw")
        async with Runtime(Graph.chain(client.input(), node, client.output())):
            await speak(client, "hello world", rate=8000)
            said = await until_event(client, seen, "transcript", role="user")
            await until_event(client, seen, "speech-update", role="assistant", status="stopped")
        session = vapi.session()
    assert vapi.requests[0][2]["transport"]["audioFormat"] == {
        "format": "mulaw",
        "container": "raw",
        "sampleRate": 8000,
    }
    assert said.payload["transcript"]  # the fake decoded G.711 into words
    out = b"".join(f.data for f in seen if isinstance(f, OutputAudioFrame))
    assert all(f.format == pcm8k for f in seen if isinstance(f, OutputAudioFrame))
    assert len(out) >= len(session.audio_out) // 2  # PCM (2 bytes a sample) back in the graph
