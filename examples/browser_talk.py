"""Talk to the agent in your browser: WebRTC with the bundled page.

Shows the `webrtc` provider: one HTTP port serves the page (`GET /`, `/client.js`),
its settings (`GET /config`) and signalling: `POST /offer` with `{"type":"offer","sdp"}`
gets `{"type":"answer","sdp","session_id"}` (no trickle ICE; no STUN/TURN unless you
name some, so it works offline). Each offer becomes a session with its own graph; the
data channel `events` carries the transcript and the bot's words.

Run:  python examples/browser_talk.py [--port 8765]
      then open the printed URL (browsers allow the microphone on localhost or https)
Smoke: python examples/browser_talk.py --smoke
      starts the server on a free port with examples/speech_graph.yaml, fetches the page
      and posts one offer (made by aiortc, as a browser would), and prints what the page
      and the answer hold. No media flows: only host candidates on 127.0.0.1 are offered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import urllib.request
from pathlib import Path
from typing import Any

from voicegraph.backends import build_served, load_config

HERE = Path(__file__).parent


def config(port: int, graph: str) -> dict[str, Any]:
    return {
        "backend": {"provider": "webrtc", "options": {"host": "127.0.0.1", "port": port, "serve_page": True}},
        "graph": graph,
        "persistence": {"url": "memory://"},  # WebRTC sessions are not resumable
        "health": {"enabled": False},
    }


async def serve_forever(port: int) -> None:
    served = build_served(load_config(config(port, "voice-agent")))
    await served.start()
    print(f"open {served.backend.transport.url} and talk (Ctrl-C stops)", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await served.stop(timeout=10.0)


async def browser_offer() -> tuple[Any, str]:
    """A peer connection and its offer, as the page makes them: audio both ways + `events`."""
    from aiortc import RTCPeerConnection

    pc = RTCPeerConnection()
    pc.addTransceiver("audio", direction="sendrecv")
    pc.createDataChannel("events", ordered=True)
    await pc.setLocalDescription(await pc.createOffer())
    # Keep the test on loopback: offer no candidate of another interface.
    lines = pc.localDescription.sdp.splitlines()
    sdp = "\r\n".join(x for x in lines if not x.startswith("a=candidate") or " 127." in x) + "\r\n"
    return pc, sdp


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


async def smoke() -> None:
    served = build_served(load_config(config(0, str(HERE / "speech_graph.yaml"))))
    await served.start()
    url = served.backend.transport.url
    print(f"open {url} and talk")
    pc, sdp = await browser_offer()
    try:
        page = await asyncio.to_thread(lambda: urllib.request.urlopen(url).read().decode())
        print("page loads client.js:", "client.js" in page)
        answer = await asyncio.to_thread(post_json, url + "offer", {"type": "offer", "sdp": sdp})
        sdp_answer = str(answer["sdp"])
        has = f"audio={'m=audio' in sdp_answer} datachannel={'m=application' in sdp_answer}"
        print(f"answer: type={answer['type']} {has} session={bool(answer['session_id'])}")
    finally:
        await pc.close()
        await served.stop(timeout=3.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(smoke() if args.smoke else serve_forever(args.port))


if __name__ == "__main__":
    main()
