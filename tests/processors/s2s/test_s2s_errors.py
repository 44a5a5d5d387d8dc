"""Refusals and malformed events become coded errors; none of them crashes the node."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import ErrorLog, audio_out, push_utterance
from voicegraph.framework import ErrorCode, Graph, Runtime, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import InputAudioFrame
from voicegraph.processors.s2s import OpenAIRealtimeS2S

pytestmark = pytest.mark.anyio

SCRIPT = RealtimeScript([ScriptedTurn(reply="All good.")])
MALFORMED: list[str | bytes] = [
    "this is not json",
    b"\x00\x01 binary",
    '{"no_type": true}',
    '{"type": "response.output_audio.delta", "response_id": "r", "delta": "@@@"}',
    '{"type": "response.created", "response": {"id": 42}}',
]


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer(SCRIPT, api_key="sk-test") as srv:
        yield srv


async def start_error(node: OpenAIRealtimeS2S) -> VoiceError:
    with pytest.raises(VoiceError) as info:
        async with Runtime(Graph.chain(node)):
            pass
    return info.value


async def test_malformed_server_events_are_protocol_errors_and_the_session_goes_on(
    server: FakeRealtimeServer,
) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key="sk-test")
    async with Runtime(Graph.chain(node)) as rt:
        errors, out = ErrorLog(rt), rt.collect()
        for message in MALFORMED:
            await server.inject(message)
        await server.wait_for(lambda: len(errors.codes) == len(MALFORMED))
        await push_utterance(rt, "are you there")
        await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
    assert errors.codes == [ErrorCode.PROTOCOL_ERROR] * len(MALFORMED)
    assert audio_out(out) == bytes(server.responses[0].audio)


async def test_a_format_the_provider_refuses_fails_the_start_as_not_negotiated(
    server: FakeRealtimeServer,
) -> None:
    refused = {"audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}
    err = await start_error(OpenAIRealtimeS2S(url=server.url, api_key="sk-test", session=refused))
    assert err.code is ErrorCode.NOT_NEGOTIATED


async def test_a_beta_field_in_a_ga_session_fails_the_start_as_not_negotiated(
    server: FakeRealtimeServer,
) -> None:
    err = await start_error(
        OpenAIRealtimeS2S(url=server.url, api_key="sk-test", session={"input_audio_format": "pcm16"})
    )
    assert err.code is ErrorCode.NOT_NEGOTIATED


async def test_a_voice_the_provider_does_not_have_fails_the_start_as_invalid_config(
    server: FakeRealtimeServer,
) -> None:
    err = await start_error(OpenAIRealtimeS2S(url=server.url, api_key="sk-test", voice="robot"))
    assert err.code is ErrorCode.INVALID_CONFIG


async def test_a_model_the_provider_does_not_know_is_reported_as_invalid_config(
    server: FakeRealtimeServer,
) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key="sk-test", model="no-such-model")
    async with Runtime(Graph.chain(node)) as rt:
        errors = ErrorLog(rt)
        await push_utterance(rt, "hello")
        await server.wait_for(lambda: bool(errors.codes))
    assert errors.codes == [ErrorCode.INVALID_CONFIG]
    assert server.responses[0].status == "failed"


async def test_a_wrong_api_key_fails_the_start_as_authentication_failed(server: FakeRealtimeServer) -> None:
    err = await start_error(OpenAIRealtimeS2S(url=server.url, api_key="sk-wrong"))
    assert err.code is ErrorCode.AUTHENTICATION_FAILED


async def test_nothing_listening_fails_the_start_as_connection_failed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = await start_error(OpenAIRealtimeS2S(url=f"ws://127.0.0.1:{port}/v1/realtime", api_key=None))
    assert err.code is ErrorCode.CONNECTION_FAILED


async def test_input_audio_in_the_wrong_format_is_a_coded_error_not_a_crash(
    server: FakeRealtimeServer,
) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key="sk-test")
    async with Runtime(Graph.chain(node)) as rt:
        errors, out = ErrorLog(rt), rt.collect()
        await rt.push(InputAudioFrame(data=bytes(640), format=PCM16K))
        await push_utterance(rt, "hello")
        await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
    assert errors.codes == [ErrorCode.NOT_NEGOTIATED]
    assert audio_out(out) == bytes(server.responses[0].audio)


async def test_a_response_whose_done_never_comes_is_closed_as_a_timeout(server: FakeRealtimeServer) -> None:
    node = OpenAIRealtimeS2S(url=server.url, api_key="sk-test", options={"response_timeout_s": 0.5})
    async with Runtime(Graph.chain(node)) as rt:
        errors, out = ErrorLog(rt), rt.collect()
        # a response the provider starts and never ends (its response.done lost)
        await server.inject(
            '{"type": "response.created", "response": {"id": "resp_lost", "status": "in_progress"}}'
        )
        await server.wait_for(lambda: ErrorCode.TIMEOUT in errors.codes, timeout=5)
        await server.wait_for(lambda: bool(server.events("response.cancel")))
        await push_utterance(rt, "are you there")  # the session goes on
        await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
    assert errors.codes == [ErrorCode.TIMEOUT]
    assert server.events("response.cancel")[0].get("response_id") == "resp_lost"
    assert audio_out(out) == bytes(server.responses[0].audio)
