"""A phone agent for Twilio: the Media Streams server and its TwiML webhook.

Shows: the `twilio` provider (u-law 8 kHz in and out, marks, clears, the call's
parameters), the TwiML a number's voice webhook gets (`<Connect><Stream url=...>`),
and reading what was said from the session store (Twilio's stream carries no text).
To take real calls, put this server behind a public HTTPS address, set `public_url`
and point the number's voice webhook at `https://<public_url>/twiml`.

Run:  python examples/twilio_server.py [--port 8765]   (the stock agent; Ctrl-C stops)
      python examples/twilio_client.py ws://127.0.0.1:8765/stream   (a call, no phone)
Smoke: python examples/twilio_server.py --smoke
      serves examples/speech_graph.yaml (scripted agent, eSpeak) on a free port, fetches
      the TwiML, places one call with twilio_client.py and prints the conversation.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import urllib.request
from pathlib import Path
from typing import Any

from voicegraph.backends import Served, SessionState, build_served, load_config

HERE = Path(__file__).parent


def config(port: int, graph: str) -> dict[str, Any]:
    options = {"host": "127.0.0.1", "port": port, "twiml_path": "/twiml"}
    return {
        "backend": {"provider": "twilio", "options": options},
        "graph": graph,
        "persistence": {"url": "memory://"},
        "hooks": {"retention": {"keep_completed_s": 600}},  # keep ended calls' records 10 min
        "health": {"enabled": False},
    }


async def serve_forever(port: int) -> None:
    served = build_served(load_config(config(port, "voice-agent")))
    await served.start()
    url = served.backend.transport.url
    print(f"TwiML on {url.replace('ws:', 'http:')}/twiml, stream on {url}/stream", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await served.stop(timeout=10.0)


async def conversation(served: Served) -> list[dict[str, Any]]:
    """The messages of the first completed call (waits up to 10 s for it to be filed)."""
    store = served.backend.manager.store
    for _ in range(100):
        done = await store.list(SessionState.COMPLETED)
        if done:
            return list(done[0].conversation.get("messages", []))
        await asyncio.sleep(0.1)
    return []


async def smoke() -> None:
    from twilio_client import call, question_audio  # this folder's client

    pcm = await asyncio.to_thread(question_audio, "What is the capital of France?")
    served = build_served(load_config(config(0, str(HERE / "speech_graph.yaml"))))
    await served.start()
    try:
        http = served.backend.transport.url.replace("ws:", "http:")
        twiml = await asyncio.to_thread(lambda: urllib.request.urlopen(f"{http}/twiml").read().decode())
        print("twiml has <Stream>:", "<Stream" in twiml)
        seconds = await call(f"{served.backend.transport.url}/stream", pcm)
        print(f"bot audio: {seconds:.1f} s")
        for message in await conversation(served):
            print(f"{message['role']}: {message['content']}")
    finally:
        await served.stop(timeout=5.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(smoke() if args.smoke else serve_forever(args.port))


if __name__ == "__main__":
    main()
