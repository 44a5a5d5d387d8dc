"""A Twilio Media Streams call through the WebSocket transport, over 127.0.0.1 (real clock)."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import httpx
import pytest

from tests.fakes.twilio_client import twilio_call
from voicegraph.framework import Graph
from voicegraph.framework.formats import AudioFormat
from voicegraph.transports.connection import Connection
from voicegraph.transports.twilio_serializer import TwilioSerializer

from .nodes import EnergyGate, ToneBot, silence, tone
from .ws_helpers import Reports, serving

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

PCM8K = AudioFormat(8000)
MS = 1_000_000


class CallGraphs:
    """Graph factory for calls: input -> Reports -> EnergyGate -> ToneBot -> output."""

    def __init__(self, reply_ms: float) -> None:
        self.reply_ms = reply_ms
        self.reports: list[Reports] = []

    @property
    def first(self) -> Reports:
        """The first session's recorder (an empty one until the session exists)."""
        return self.reports[0] if self.reports else Reports()

    def __call__(self, conn: Connection) -> Graph:
        rec = Reports()
        self.reports.append(rec)
        return Graph.chain(conn.input(), rec, EnergyGate(), ToneBot(reply_ms=self.reply_ms), conn.output())


async def test_barge_in_clears_twilio_and_reports_what_the_marks_confirmed() -> None:
    graphs = CallGraphs(reply_ms=2000)
    async with serving(graphs, serializer=TwilioSerializer) as t, twilio_call(t.url + "/stream") as call:
        await call.say(tone(300, fmt=PCM8K) + silence(300, fmt=PCM8K))
        await call.wait_for_played(0.6)
        await call.say(tone(60, fmt=PCM8K))
        await call.wait_for(lambda: call.clears == 1 and bool(graphs.first.reports))
        heard = call.played_s
        await call.hang_up()
    (report,) = graphs.reports[0].reports
    assert report.interrupted and report.response_id == "r1"
    assert report.played_ns < report.total_ns <= 2001 * MS  # total: what the output held when cut
    assert heard - 0.25 <= report.played_ns / 1e9 <= heard  # marks confirm at most what was heard
    assert report.text_played.split() == [f"w{k + 1}" for k in range(len(report.text_played.split()))]
    assert any(not returned for _, returned in call.marks_echoed)


async def test_bot_audio_reaches_twilio_as_20ms_mulaw_media_paced_in_real_time() -> None:
    graphs = CallGraphs(reply_ms=600)
    async with serving(graphs, serializer=TwilioSerializer) as t, twilio_call(t.url + "/stream") as call:
        await call.say(tone(200, fmt=PCM8K) + silence(300, fmt=PCM8K))
        await call.wait_for_played(0.58)
        await call.hang_up()
    media = [(at, e) for at, e in call.events if e["event"] == "media"]
    assert all(e["streamSid"] == call.stream_sid for _, e in media)
    payloads = [base64.b64decode(e["media"]["payload"]) for _, e in media]
    assert {len(p) for p in payloads[:-1]} == {160}  # 20 ms of 8 kHz u-law; the last may be shorter
    assert sum(map(len, payloads)) >= 4640
    span = media[-1][0] - media[0][0]
    assert 0.5 <= span <= 0.7  # 30 chunks of 20 ms, not a burst


async def test_finished_reply_is_reported_when_its_end_mark_comes_back() -> None:
    graphs = CallGraphs(reply_ms=300)
    async with serving(graphs, serializer=TwilioSerializer) as t, twilio_call(t.url + "/stream") as call:
        await call.say(tone(200, fmt=PCM8K) + silence(300, fmt=PCM8K))
        await call.wait_for(lambda: bool(graphs.first.reports))
        ends = [name for name, returned in call.marks_echoed if name.endswith(".end") and not returned]
        await call.hang_up()
    (report,) = graphs.reports[0].reports
    assert report.played_ns == report.total_ns == pytest.approx(300 * MS, abs=125_000)  # +-1 sample
    assert not report.interrupted
    assert len(ends) == 1
    assert call.played_s >= 0.3


async def test_key_presses_reach_the_graph_as_dtmf_frames() -> None:
    graphs = CallGraphs(reply_ms=100)
    async with serving(graphs, serializer=TwilioSerializer) as t, twilio_call(t.url + "/stream") as call:
        for digit in "12#":
            await call.press(digit)
        await call.wait_for(lambda: len(graphs.first.digits) == 3)
        await call.hang_up()
    assert graphs.reports[0].digits == ["1", "2", "#"]


async def test_hang_up_ends_the_session() -> None:
    graphs = CallGraphs(reply_ms=100)
    async with serving(graphs, serializer=TwilioSerializer) as t:
        async with twilio_call(t.url + "/stream") as call:
            await call.wait_for(lambda: len(t.sessions) == 1)
            await call.hang_up()
            await call.wait_for(lambda: not t.sessions)


async def test_twiml_endpoint_connects_the_call_to_the_stream() -> None:
    async with serving(serializer=TwilioSerializer, twiml_path="/twiml") as t:
        async with httpx.AsyncClient() as http:
            resp = await http.get(f"http://127.0.0.1:{t.port}/twiml")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/xml")
    # Served as plain ws:// here, so the stream URL says ws:// (wss:// behind TLS: see below).
    assert f'<Connect><Stream url="ws://127.0.0.1:{t.port}/stream">' in resp.text


WEBHOOK = {
    "CallSid": "CA" + "1" * 32, "From": "+15550001111", "To": "+15550002222", "AccountSid": "AC" + "0" * 32,
}  # fmt: skip


def stream_parameters(twiml: str) -> tuple[str, dict[str, str]]:
    """The stream URL and the parameters of a `<Connect><Stream>` answer."""
    stream = ET.fromstring(twiml).find("./Connect/Stream")
    assert stream is not None
    return stream.get("url", ""), {p.get("name", ""): p.get("value", "") for p in stream}


async def test_the_webhook_passes_the_callers_number_on_to_the_stream_by_get_and_by_post() -> None:
    async with serving(serializer=TwilioSerializer, twiml_path="/twiml", twiml_port=0) as t:
        assert t.twiml_server is not None
        async with httpx.AsyncClient() as http:
            by_get = await http.get(f"http://127.0.0.1:{t.port}/twiml", params=WEBHOOK)
            hook = f"http://127.0.0.1:{t.twiml_server.port}/twiml"
            behind_tls = {"Host": "bot.example", "X-Forwarded-Proto": "https"}
            by_post = await http.post(hook, data=WEBHOOK, headers=behind_tls)
            wrong_path = await http.post(hook + "x", data=WEBHOOK)
            too_big = await http.post(hook, data={"From": "x" * 20_000})
    expected = {"call_sid": WEBHOOK["CallSid"], "from": "+15550001111", "to": "+15550002222"}
    assert by_get.status_code == by_post.status_code == 200
    assert by_post.headers["content-type"].startswith("text/xml")
    assert stream_parameters(by_get.text) == (f"ws://127.0.0.1:{t.port}/stream", expected)
    assert stream_parameters(by_post.text) == ("wss://bot.example/stream", expected)
    assert (wrong_path.status_code, too_big.status_code) == (404, 413)


async def test_a_webhook_on_its_own_port_points_the_stream_at_the_websocket_port() -> None:
    async with serving(serializer=TwilioSerializer, twiml_path="/twiml", twiml_port=0) as t:
        assert t.twiml_server is not None and t.twiml_server.port != t.port
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"http://127.0.0.1:{t.twiml_server.port}/twiml", data=WEBHOOK)
    url, _ = stream_parameters(answer.text)
    assert url == f"ws://127.0.0.1:{t.port}/stream"
