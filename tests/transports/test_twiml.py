"""TwiML answer for the voice webhook."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from voicegraph.transports.twiml import render_twiml


def test_twiml_connects_the_call_to_the_stream_with_escaped_parameters() -> None:
    value = 'a "quoted" & <tagged> name'
    root = ET.fromstring(render_twiml("wss://bot.example/stream", {"who": value}))
    stream = root.find("./Connect/Stream")
    assert root.tag == "Response" and stream is not None
    assert stream.get("url") == "wss://bot.example/stream"
    assert [(p.get("name"), p.get("value")) for p in stream] == [("who", value)]
