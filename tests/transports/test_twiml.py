"""TwiML answer for the voice webhook."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from voicegraph.transports.twiml import call_parameters, render_twiml


def test_twiml_connects_the_call_to_the_stream_with_escaped_parameters() -> None:
    value = 'a "quoted" & <tagged> name'
    root = ET.fromstring(render_twiml("wss://bot.example/stream", {"who": value}))
    stream = root.find("./Connect/Stream")
    assert root.tag == "Response" and stream is not None
    assert stream.get("url") == "wss://bot.example/stream"
    assert [(p.get("name"), p.get("value")) for p in stream] == [("who", value)]


def test_the_webhooks_call_fields_become_stream_parameters() -> None:
    long = "+1" + "5" * 300
    fields = {"CallSid": "CA1", "From": long, "To": "", "AccountSid": "AC1", "Direction": "inbound"}
    params = call_parameters(fields)
    assert params == {"call_sid": "CA1", "from": long[:200], "direction": "inbound"}
