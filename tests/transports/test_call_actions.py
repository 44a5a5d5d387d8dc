"""Hang-ups and transfers (`EndCallFrame`, `TransferCallFrame`) carried out by the transports.

Real WebSocket sessions over 127.0.0.1: a raw client and the fake Twilio caller.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply, FakeToolCall
from tests.fakes.twilio_client import twilio_call
from tests.fakes.twilio_rest import FakeTwilioRest
from voicegraph.framework import ErrorCode, Graph
from voicegraph.framework.formats import AudioFormat
from voicegraph.framework.frames import EndCallFrame, Frame, TransferCallFrame
from voicegraph.processors.agent import LLMNode, ToolContext
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts import EspeakTTS
from voicegraph.transports.connection import Connection
from voicegraph.transports.twilio_call_control import TwilioCallControl
from voicegraph.transports.twilio_serializer import TwilioSerializer

from .nodes import EnergyGate, ToneBot, silence, tone
from .ws_helpers import Reports, serving

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

PCM8K = AudioFormat(8000)
BYTES_PER_S = 32_000  # 16 kHz s16


class Graphs:
    """input -> Reports -> EnergyGate -> ToneBot(after=...) -> output, per session."""

    def __init__(self, reply_ms: float, after: dict[int, Frame], frame_ms: float = 100.0) -> None:
        self.reply_ms, self.after, self.frame_ms = reply_ms, after, frame_ms
        self.reports: list[Reports] = []

    def __call__(self, conn: Connection) -> Graph:
        rec = Reports()
        self.reports.append(rec)
        bot = ToneBot(reply_ms=self.reply_ms, frame_ms=self.frame_ms, after=self.after)
        return Graph.chain(conn.input(), rec, EnergyGate(), bot, conn.output())


class RawClient:
    """What a raw-protocol client received: audio bytes, and messages with the audio before them."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.audio = bytearray()
        self.messages: list[tuple[int, float, dict[str, Any]]] = []
        """(audio bytes received before it, arrival time, message)."""
        self.first_audio_at = 0.0

    async def start(self) -> None:
        await self.ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
        assert json.loads(await self.ws.recv())["type"] == "started"

    async def say(self, pcm: bytes) -> None:
        for i in range(0, len(pcm), 640):
            await self.ws.send(pcm[i : i + 640])

    async def read_until_closed(self, *, barge_in_after_bytes: int | None = None) -> None:
        try:
            async for msg in self.ws:
                if isinstance(msg, bytes):
                    self.first_audio_at = self.first_audio_at or time.monotonic()
                    self.audio += msg
                    if barge_in_after_bytes is not None and len(self.audio) >= barge_in_after_bytes:
                        barge_in_after_bytes = None
                        await self.say(tone(200) + silence(300))
                else:
                    self.messages.append((len(self.audio), time.monotonic(), json.loads(msg)))
        except ConnectionClosed:
            pass

    def message(self, kind: str) -> tuple[int, float, dict[str, Any]]:
        """The first message of type `kind`."""
        return next(m for m in self.messages if m[2]["type"] == kind)


async def one_turn_call(graphs: Graphs, *, barge_in_after_bytes: int | None = None) -> RawClient:
    """A raw client says one thing and reads until the server closes."""
    async with serving(graphs) as t, connect(t.url) as ws:
        client = RawClient(ws)
        await client.start()
        await client.say(tone(300) + silence(300))
        await client.read_until_closed(barge_in_after_bytes=barge_in_after_bytes)
    return client


async def test_a_raw_client_hears_the_whole_goodbye_then_gets_end_call_and_a_normal_close() -> None:
    graphs = Graphs(600, {1: EndCallFrame(reason="goodbye said")})
    client = await one_turn_call(graphs)
    ws = client.ws
    before, at, event = client.message("end_call")
    assert event == {"type": "end_call", "reason": "goodbye said"}
    assert before == len(client.audio) == int(0.6 * BYTES_PER_S)  # all of it, none after
    assert at - client.first_audio_at >= 0.5  # it waited for the paced playout
    assert client.messages[-1][2] == {"type": "end"}
    assert (ws.close_code, ws.close_reason) == (1000, "call ended")
    (report,) = graphs.reports[0].reports
    assert not report.interrupted and report.text_played.split()[-1] == "w6"


async def test_a_transfer_reaches_a_raw_client_as_an_event_and_ends_the_session() -> None:
    graphs = Graphs(200, {1: TransferCallFrame(target="+15551234567", reason="wants a human")})
    client = await one_turn_call(graphs)
    ws = client.ws
    _, _, event = client.message("transfer_call")
    assert event == {"type": "transfer_call", "target": "+15551234567", "reason": "wants a human"}
    assert (ws.close_code, ws.close_reason) == (1000, "call transferred")
    assert len(client.audio) == int(0.2 * BYTES_PER_S)


async def test_a_barge_in_during_the_goodbye_cuts_it_and_still_hangs_up() -> None:
    # 6 frames of 0.5 s: the bot has sent the goodbye and the hang-up before it plays,
    # as an agent does (generation outruns playout); the interruption keeps control frames
    graphs = Graphs(3000, {1: EndCallFrame(reason="bye")}, frame_ms=500)
    client = await one_turn_call(graphs, barge_in_after_bytes=int(0.4 * BYTES_PER_S))
    ws = client.ws
    # cut at the barge-in; then the reply to the barge-in's words started, and the
    # hang-up (which waited only for what was queued before it) stopped that too
    cut_at, end_at = client.message("clear")[0], client.message("end_call")[0]
    assert 0.4 * BYTES_PER_S <= cut_at <= end_at < 0.8 * BYTES_PER_S
    assert len(client.audio) == end_at  # nothing after the end_call event
    assert (ws.close_code, ws.close_reason) == (1000, "call ended")
    r1, *later = graphs.reports[0].reports
    assert r1.response_id == "r1" and r1.interrupted and r1.text_played == "w1"
    assert all(r.interrupted for r in later)


async def test_a_twilio_call_hangs_up_by_closing_the_stream_once_twilio_played_the_goodbye() -> None:
    graphs = Graphs(800, {1: EndCallFrame(reason="done")})
    async with (
        serving(graphs, serializer=TwilioSerializer) as t,
        twilio_call(t.url + "/stream") as call,
    ):
        await call.say(tone(300, fmt=PCM8K) + silence(300, fmt=PCM8K))
        await call.wait_for(lambda: call.ws.state is State.CLOSED, timeout=10)
        played = call.played_s
    assert call.ws.close_code == 1000
    assert played >= 0.8 - 0.02  # the final mark came back before the close: all of it played
    assert all(e["event"] in ("media", "mark") for _, e in call.events)  # nothing Twilio would reject


async def test_a_twilio_transfer_without_call_control_is_refused_and_the_call_goes_on() -> None:
    graphs = Graphs(300, {1: TransferCallFrame(target="+15551234567"), 2: EndCallFrame()})
    async with (
        serving(graphs, serializer=TwilioSerializer) as t,
        twilio_call(t.url + "/stream") as call,
    ):
        await call.say(tone(300, fmt=PCM8K) + silence(300, fmt=PCM8K))
        await call.wait_for(lambda: bool(graphs.reports and graphs.reports[0].errors), timeout=10)
        assert call.ws.state is State.OPEN
        await call.say(tone(300, fmt=PCM8K) + silence(300, fmt=PCM8K))  # a second turn, then a hang-up
        await call.wait_for(lambda: call.ws.state is State.CLOSED, timeout=10)
    (error,) = graphs.reports[0].errors
    assert error.error.code is ErrorCode.INVALID_CONFIG and "TwilioCallControl" in error.error.message
    assert len(graphs.reports[0].reports) == 2 and call.played_s >= 0.6 - 0.02


@pytest.mark.parametrize("action", ["hang-up", "transfer"])
async def test_a_twilio_call_is_hung_up_or_transferred_through_the_rest_api(action: str) -> None:
    frame = EndCallFrame() if action == "hang-up" else TransferCallFrame(target="sip:desk@example.invalid")
    graphs = Graphs(400, {1: frame})
    async with FakeTwilioRest() as api:
        control = TwilioCallControl(api.account_sid, api.auth_token, base_url=api.base_url)
        async with (
            serving(graphs, serializer=TwilioSerializer, call_control=control) as t,
            twilio_call(t.url + "/stream") as call,
        ):
            api.live_calls.add(call.call_sid)
            await call.say(tone(300, fmt=PCM8K) + silence(300, fmt=PCM8K))
            await call.wait_for(lambda: call.ws.state is State.CLOSED, timeout=10)
            played = call.played_s
    ((sid, form),) = api.updates
    assert sid == call.call_sid and played >= 0.4 - 0.02  # the goodbye played, then the REST call
    if action == "hang-up":
        assert form == {"Status": "completed"} and call.call_sid in api.ended_calls
    else:
        assert form == {"Twiml": "<Response><Dial><Sip>sip:desk@example.invalid</Sip></Dial></Response>"}


async def test_a_twilio_transfer_the_api_refuses_is_reported_and_the_call_goes_on() -> None:
    graphs = Graphs(300, {1: TransferCallFrame(target="+15551234567")})
    async with FakeTwilioRest() as api:
        control = TwilioCallControl(api.account_sid, "wrong-token", base_url=api.base_url)
        async with (
            serving(graphs, serializer=TwilioSerializer, call_control=control) as t,
            twilio_call(t.url + "/stream") as call,
        ):
            api.live_calls.add(call.call_sid)
            await call.say(tone(300, fmt=PCM8K) + silence(300, fmt=PCM8K))
            await call.wait_for(lambda: bool(graphs.reports and graphs.reports[0].errors), timeout=10)
            await call.say(tone(300, fmt=PCM8K) + silence(300, fmt=PCM8K))
            await call.wait_for(lambda: len(graphs.reports[0].reports) == 2, timeout=10)
            state = call.ws.state
    (error,) = graphs.reports[0].errors
    assert error.error.code is ErrorCode.AUTHENTICATION_FAILED and api.updates == []
    assert state is State.OPEN  # the caller is still with the bot, who answered again


def end_call(reason: str, ctx: ToolContext) -> str:
    """Hang up once the caller has nothing more to ask."""
    ctx.end_call(reason)
    return "the call ends after your goodbye"


async def test_an_llm_tool_hangs_up_once_the_spoken_goodbye_has_played() -> None:
    """The whole agent path: transcript -> LLM tool call -> goodbye spoken by eSpeak -> hang-up."""
    context = ConversationContext()
    async with FakeOpenAIChatServer() as llm:
        call = FakeToolCall("end_call", (json.dumps({"reason": "resolved"}),), id="call_1")
        llm.script(
            FakeReply(texts=(), tool_calls=(call,)), FakeReply(texts=("Goodbye,", " have a nice day!"))
        )

        def graph(conn: Connection) -> Graph:
            agent = LLMNode(base_url=llm.base_url, model="fake", tools=[end_call], retry={"max_attempts": 1})
            return Graph.chain(
                conn.input(), UserAggregator(context=context), agent, SentenceAggregator(), EspeakTTS(),
                AssistantAggregator(context=context), conn.output(),
            )  # fmt: skip

        async with serving(graph) as t, connect(t.url) as ws:
            client = RawClient(ws)
            await client.start()
            await ws.send(json.dumps({"type": "text", "text": "That is all, thanks."}))
            await client.read_until_closed()
    before, at, event = client.message("end_call")
    assert event == {"type": "end_call", "reason": "resolved"}
    spoken_s = len(client.audio) / BYTES_PER_S
    assert before == len(client.audio) and 1.0 < spoken_s < 4.0  # the goodbye, all of it
    assert at - client.first_audio_at >= spoken_s - 0.1  # played in real time before the hang-up
    assert (ws.close_code, ws.close_reason) == (1000, "call ended")
    last = context.messages()[-1]
    assert (last["role"], last["content"]) == ("assistant", "Goodbye, have a nice day!")  # all heard
