"""Swap caller for `webrtc`: an aiortc peer (`WebRTCClient`, as the bundled page calls) posts
its offer to the served process, plays the question on its microphone track in real time
and records the bot's Opus audio; the user's words come back on the data channel.

Runs inside a loopback-only network namespace (tests/transports/webrtc/netns.py says why).
"""

from __future__ import annotations

import asyncio
import time

import numpy as np

from voicegraph.transports.webrtc import WebRTCClient

from .call_result import CallResult, loud
from .listening import REPLY_BOUND_S, Listener, spoken_question


async def webrtc_call(url: str) -> CallResult:
    """Call the WebRTC server at `url` (http://host:port/); what came back."""
    result, listener = CallResult("webrtc"), Listener()
    client = WebRTCClient(url, timeout_s=15)
    await client.connect()
    try:
        client.send_audio(spoken_question(16000).astype("<i2").tobytes())
        deadline = time.monotonic() + len(spoken_question(16000)) / 16000 + REPLY_BOUND_S
        seen = 0
        while time.monotonic() < deadline and not listener.over():
            await asyncio.sleep(0.1)
            for received in client.received[seen:]:
                listener.heard(loud(received.data))
            seen = len(client.received)
        result.bot = np.frombuffer(client.received_pcm(), "<i2").astype(np.int16)
        finals = [e for e in client.events if e.get("type") == "transcript" and e.get("final")]
        result.user_text = " ".join(str(e.get("text", "")) for e in finals)
        result.notes["events"] = [e.get("type") for e in client.events][:40]
    finally:
        await client.hangup()
    return result
