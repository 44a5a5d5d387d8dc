"""MemoryTransport: an in-process client driving a real graph through its session."""

from __future__ import annotations

import anyio
import pytest

from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    AnyTextFrame,
    BotStartedSpeakingFrame,
    InterruptFrame,
    OutputAudioFrame,
    TextFrame,
    TranscriptFrame,
)
from voicegraph.transports.connection import Connection
from voicegraph.transports.graph_session_runner import GraphSessionRunner
from voicegraph.transports.memory_transport import MemoryTransport

from .nodes import Echo, EnergyGate, ToneBot, silence, tone

pytestmark = pytest.mark.anyio


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


async def test_echo_graph_round_trips_user_audio_and_drains_on_end() -> None:
    clock = VirtualClock()
    client = MemoryTransport()
    audio = tone(500)
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(GraphSessionRunner(echo_graph, clock=lambda: clock), client)
        for i in range(0, len(audio), 640):
            await client.send_audio(audio[i : i + 640])
        await client.end()
        await client.wait_finished()
    played = [f for f in client.outputs_nowait() if isinstance(f, OutputAudioFrame)]
    assert b"".join(f.data for f in played) == audio
    assert not client.lost


async def test_disconnect_ends_the_session_as_lost_without_draining() -> None:
    clock = VirtualClock()
    client = MemoryTransport()
    async with clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(GraphSessionRunner(echo_graph, clock=lambda: clock), client)
        await client.send_audio(tone(1000))
        await clock.sleep(0.1)
        await client.disconnect()
        await client.wait_finished()
    played = [f for f in client.outputs_nowait() if isinstance(f, OutputAudioFrame)]
    assert client.lost
    assert 0 < len(played) < 50


async def test_client_interrupt_request_clears_the_bot_reply() -> None:
    clock = VirtualClock()
    client = MemoryTransport()
    async with clock.autojump(), Runtime(echo_graph(client), clock=clock) as rt:
        await client.send_audio(tone(1000))
        await clock.sleep(0.1)
        await client.interrupt()
        await clock.sleep(0.1)
        assert rt.epoch == 1
    outputs = client.outputs_nowait()
    clears = [i for i, f in enumerate(outputs) if isinstance(f, InterruptFrame)]
    assert len(clears) == 1
    assert not any(isinstance(f, OutputAudioFrame) for f in outputs[clears[0] :])


async def test_loud_user_audio_barges_in_on_the_bot_reply() -> None:
    clock = VirtualClock()
    client = MemoryTransport()
    graph = Graph.chain(client.input(), EnergyGate(), ToneBot(reply_ms=2000), client.output())
    async with clock.autojump(), Runtime(graph, clock=clock) as rt:
        for chunk in (tone(300), silence(300)):  # a user turn: the bot answers
            await client.send_audio(chunk)
        await clock.sleep(0.5)
        await client.send_audio(tone(100))  # barge-in while the bot speaks
        await clock.sleep(0.1)
        assert rt.epoch == 2  # the first turn interrupted nothing audible; the second cut the reply
    outputs = client.outputs_nowait()
    first_bot = next(i for i, f in enumerate(outputs) if isinstance(f, BotStartedSpeakingFrame))
    clear = next(i for i, f in enumerate(outputs) if isinstance(f, InterruptFrame) and i > first_bot)
    assert 0 < sum(isinstance(f, OutputAudioFrame) for f in outputs[first_bot:clear]) < 100


async def test_text_reaching_the_output_is_delivered_to_the_app_as_an_event() -> None:
    clock = VirtualClock()
    client = MemoryTransport()
    async with clock.autojump(), Runtime(echo_graph(client), clock=clock) as rt:
        await rt.push(TranscriptFrame(text="hello"))
        await rt.push(TextFrame(text="bot text"))
    events = [f for f in client.outputs_nowait() if isinstance(f, AnyTextFrame)]
    assert [e.text for e in events] == ["hello", "bot text"]


async def test_input_node_announces_the_client_format_to_the_graph() -> None:
    client = MemoryTransport(input_format=PCM16K)
    graph = echo_graph(client).build()
    assert graph.output_formats[client.input().name] == PCM16K
