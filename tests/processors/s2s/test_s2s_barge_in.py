"""Barge-in: the reply is cancelled and the model's memory cut to what the user really heard."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.fakes.openai_realtime_server import FakeRealtimeServer, Pacing, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import ErrorLog, chunks, of_type, utterance
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM24K
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    InterruptFrame,
    OutputAudioFrame,
    ResponseStartFrame,
)
from voicegraph.processors.s2s import BotTranscriptFrame, OpenAIRealtimeS2S
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.transports import MemoryTransport

pytestmark = pytest.mark.anyio

STORY = (
    "Once upon a time there was a little town by the sea, where the fishermen went out "
    "every morning long before the sun came up over the hills."
)
SCRIPT = RealtimeScript([ScriptedTurn(reply=STORY), ScriptedTurn(reply="Okay.")])
NO_SELF_CANCEL = {"type": "server_vad", "interrupt_response": False}


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer(SCRIPT) as srv:
        yield srv


async def hear_then_interrupt(client: MemoryTransport, heard_s: float, *, wait_done: bool = False) -> bytes:
    """Listen to the bot for `heard_s`, then talk over it; the audio played before the clear."""
    played = b""
    async with asyncio.timeout(15):
        while len(played) < PCM24K.bytes_for(int(heard_s * 1e9)):
            frame = await client.next_output()
            if isinstance(frame, OutputAudioFrame):
                played += frame.data
        for piece in chunks(utterance("stop please")):
            await client.send_audio(piece)
        while not isinstance(frame := await client.next_output(), InterruptFrame):
            if isinstance(frame, OutputAudioFrame):
                played += frame.data
    return played


async def test_provider_vad_barge_in_cancels_and_truncates_at_the_played_position() -> None:
    client = MemoryTransport(input_format=PCM24K)
    slow = Pacing(speed=1.5)  # still generating when the user talks over it
    async with FakeRealtimeServer(SCRIPT, pacing=slow) as server:
        node = OpenAIRealtimeS2S(url=server.url, api_key=None, turn_detection=NO_SELF_CANCEL)
        async with Runtime(Graph.chain(client.input(), node, client.output())) as rt:
            errors = ErrorLog(rt)
            for piece in chunks(utterance("tell me a story")):
                await client.send_audio(piece)
            played = await hear_then_interrupt(client, 1.0)
            await server.wait_for(lambda: bool(server.events("conversation.item.truncate")))
    (truncate,) = server.events("conversation.item.truncate")
    heard_ms = PCM24K.duration_ns(len(played)) / 1e6
    assert abs(truncate["audio_end_ms"] - heard_ms) <= 25
    assert node.dialog.barge_in.truncations[0].source == "played"
    assert server.events("response.cancel")
    assert (server.responses[0].status, server.responses[0].reason) == ("cancelled", "client_cancelled")
    assert errors.codes == []


async def test_the_models_memory_keeps_only_the_heard_part_of_the_reply(server: FakeRealtimeServer) -> None:
    client = MemoryTransport(input_format=PCM24K)
    node = OpenAIRealtimeS2S(url=server.url, api_key=None, turn_detection=NO_SELF_CANCEL)
    tap: list[Frame] = []
    async with Runtime(Graph.chain(client.input(), node, client.output())) as rt:
        rt.on_output(lambda f, _: tap.append(f))
        for piece in chunks(utterance("tell me a story")):
            await client.send_audio(piece)
        await hear_then_interrupt(client, 1.5)
        await server.wait_for(lambda: bool(server.events("conversation.item.truncate")))
    (truncate,) = server.events("conversation.item.truncate")
    item = server.connections[0].conversation.items[truncate["item_id"]]
    assert (item.audio_ms, item.text) == (truncate["audio_end_ms"], "")
    heard = [f.text for f in of_type(tap, BotTranscriptFrame) if f.interrupted]
    assert len(heard) == 1 and heard[0] and STORY.startswith(heard[0]) and len(heard[0]) < len(STORY) // 2
    assert heard[0] in [m["content"] for m in node.export_conversation()["messages"]]


async def test_barge_in_after_the_reply_was_generated_truncates_without_cancelling(
    server: FakeRealtimeServer,
) -> None:
    client = MemoryTransport(input_format=PCM24K)
    node = OpenAIRealtimeS2S(url=server.url, api_key=None)
    async with Runtime(Graph.chain(client.input(), node, client.output())) as rt:
        errors = ErrorLog(rt)
        for piece in chunks(utterance("tell me a story")):
            await client.send_audio(piece)
        await server.wait_for(lambda: bool(server.responses) and server.responses[0].status == "completed")
        played = await hear_then_interrupt(client, 1.0)
        await server.wait_for(lambda: bool(server.events("conversation.item.truncate")))
    (truncate,) = server.events("conversation.item.truncate")
    assert abs(truncate["audio_end_ms"] - PCM24K.duration_ns(len(played)) / 1e6) <= 25
    assert server.events("response.cancel") == []
    assert errors.codes == []


async def local_barge_in(server: FakeRealtimeServer) -> tuple[list[tuple[int, Frame]], OpenAIRealtimeS2S]:
    """Local VAD + turn nodes, no output transport: talk over the reply 0.5 s into it."""
    vad, turns = VoiceActivityDetector(engine="energy"), SilenceTurnDetector(min_delay=0.3)
    node = OpenAIRealtimeS2S(
        url=server.url, api_key=None, turn_detection="none", options={"played_wait_s": 0.1}
    )
    seen: list[tuple[int, Frame]] = []
    async with Runtime(Graph.chain(vad, turns, node)) as rt:
        rt.on_output(lambda f, _: seen.append((time.monotonic_ns(), f)))
        for text in ("tell me a story", "stop please"):
            if text == "stop please":
                await server.wait_for(lambda: any(isinstance(f, OutputAudioFrame) for _, f in seen))
                await asyncio.sleep(0.5)
            for piece in chunks(utterance(text)):
                await rt.push(InputAudioFrame(data=piece, format=PCM24K))
                await asyncio.sleep(0.004)
        await server.wait_for(lambda: bool(server.events("conversation.item.truncate")))
        await server.wait_for(
            lambda: len(server.responses) == 2 and server.responses[1].status == "completed"
        )
    return seen, node


async def test_local_barge_in_without_a_played_report_truncates_at_the_emitted_estimate(
    server: FakeRealtimeServer,
) -> None:
    seen, node = await local_barge_in(server)
    t_first = next(t for t, f in seen if isinstance(f, OutputAudioFrame))
    t_cut = next(t for t, f in seen if isinstance(f, InterruptFrame))
    (truncate,) = server.events("conversation.item.truncate")
    assert abs(truncate["audio_end_ms"] - (t_cut - t_first) / 1e6) <= 50
    assert node.dialog.barge_in.truncations[0].source == "estimate"


async def test_no_audio_of_a_cut_reply_reaches_the_output_after_the_interruption(
    server: FakeRealtimeServer,
) -> None:
    seen, _ = await local_barge_in(server)
    frames = [f for _, f in seen]
    cut = next(i for i, f in enumerate(frames) if isinstance(f, InterruptFrame))
    after = frames[cut + 1 :]
    next_reply = next(i for i, f in enumerate(after) if isinstance(f, ResponseStartFrame))
    assert not of_type(after[:next_reply], OutputAudioFrame)
    assert [f.response_id for f in of_type(after, ResponseStartFrame)] == [server.responses[1].id]
