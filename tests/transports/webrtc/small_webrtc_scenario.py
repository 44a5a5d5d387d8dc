"""Scenario: an aiortc peer does what Pipecat's SmallWebRTC client does against SmallWebRTCTransport.

`python -m tests.transports.webrtc.small_webrtc_scenario` (in a loopback-only network
namespace, see netns.py) serves an echo graph with `SmallWebRTCTransport`, then, like
`@pipecat-ai/small-webrtc-transport`: opens a `chat` data channel and an audio track,
posts `{sdp, type, pc_id: null, restart_pc: false}`, trickles its ICE candidates with
PATCH, sends RTVI `client-ready` and a bad message, renegotiates on the same `pc_id`,
then restarts with `restart_pc`. Prints one JSON object with what it saw.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from tests.transports.nodes import Echo
from voicegraph.framework import Graph
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc.small_webrtc_transport import SmallWebRTCTransport

from .http_helpers import request


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


async def post(port: int, pc: RTCPeerConnection, pc_id: str | None, restart: bool) -> dict[str, Any]:
    await pc.setLocalDescription(await pc.createOffer())
    body = {"sdp": pc.localDescription.sdp, "type": "offer", "pc_id": pc_id, "restart_pc": restart}
    reply = await request(port, "POST", "/api/offer", json.dumps(body).encode())
    answer: dict[str, Any] = reply.json()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    return answer


def peer() -> tuple[RTCPeerConnection, Any, asyncio.Queue[dict[str, Any]], asyncio.Event]:
    pc = RTCPeerConnection()
    pc.addTrack(AudioStreamTrack())
    channel = pc.createDataChannel("chat", ordered=True)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    opened = asyncio.Event()
    channel.on("message", lambda m: inbox.put_nowait(json.loads(m)))
    channel.on("open", opened.set)
    return pc, channel, inbox, opened


async def next_of(inbox: asyncio.Queue[dict[str, Any]], kind: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while (msg := await inbox.get())["type"] != kind:
            pass
    return msg


async def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with SmallWebRTCTransport(graph_factory=echo_graph) as tr:
        pc, channel, inbox, opened = peer()
        answer = await post(tr.port, pc, None, False)
        pc_id = out["pc_id"] = answer["pc_id"]
        out["answer_type"] = answer["type"]
        # what the JS client trickles: its candidates, then the end-of-candidates marker
        cands = [
            line[2:] for line in pc.localDescription.sdp.split("\r\n") if line.startswith("a=candidate:")
        ]
        patch = {
            "pc_id": pc_id,
            "candidates": [{"candidate": c, "sdp_mid": "0", "sdp_mline_index": 0} for c in cands],
        }
        patch["candidates"].append({"candidate": "", "sdp_mid": "0", "sdp_mline_index": 0})
        out["patch_status"] = (
            await request(tr.port, "PATCH", "/api/offer", json.dumps(patch).encode())
        ).status
        async with asyncio.timeout(15):
            await opened.wait()
        channel.send("ping: 1")
        channel.send(json.dumps({"type": "signalling", "message": {"type": "trackStatus", "receiver_index": 0,
                                                                   "enabled": True}}))  # fmt: skip
        channel.send(json.dumps({"label": "rtvi-ai", "type": "client-ready", "id": "r1",
                                 "data": {"version": "2.1.0", "about": {"library": "aiortc"}}}))  # fmt: skip
        out["bot_ready"] = await next_of(inbox, "bot-ready")
        channel.send(json.dumps({"label": "rtvi-ai", "type": "bogus", "id": "b1"}))
        out["error_response"] = await next_of(inbox, "error-response")
        conn = tr.sessions[pc_id]
        out["track_enabled"] = getattr(conn, "track_enabled", {})
        again = await post(tr.port, pc, pc_id, False)
        out["renegotiated_pc_id"] = again["pc_id"]
        out["sessions_after_renegotiation"] = len(tr.sessions)
        pc2, _, _, _ = peer()
        restarted = await post(tr.port, pc2, pc_id, True)
        out["restarted_pc_id_is_new"] = restarted["pc_id"] != pc_id
        await asyncio.sleep(0.5)
        out["old_session_ended"] = pc_id not in tr.sessions
        await pc.close()
        await pc2.close()
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
