"""A voice agent served over WebSocket (raw PCM), from Python instead of a YAML file.

Shows: a serve config as a dict (the same schema as `voicegraph serve CONFIG`:
voicegraph/backends/serve_example.yaml), `load_config` validating it, `build_served`
making the backend and `start`/`stop` around your own event loop. Each connection
becomes a session with its own graph; the protocol is in websocket_client.py.

Run:  python examples/websocket_server.py [--port 8765]
      (serves the stock agent: Silero, Whisper, the local LLM, Piper; Ctrl-C stops it)
      python examples/websocket_client.py ws://127.0.0.1:8765   (in another terminal)
Smoke: python examples/websocket_server.py --smoke
      serves examples/speech_graph.yaml (scripted agent, eSpeak) on a free port, runs
      websocket_client.py's call against it once, prints `reply: ...` and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Any

from voicegraph.backends import Served, build_served, load_config

HERE = Path(__file__).parent


def config(port: int, graph: str) -> dict[str, Any]:
    """A serve config: the provider and its options, the graph, the session store."""
    return {
        "backend": {"provider": "websocket", "options": {"host": "127.0.0.1", "port": port}},
        "graph": graph,  # `voice-agent` (the stock spec), a spec file, or module:function
        "persistence": {"url": "memory://"},  # where session records live (sqlite, redis...)
        "health": {"enabled": False},
    }


async def serve_forever(port: int) -> None:
    served = build_served(load_config(config(port, "voice-agent")))
    await served.start()
    print(f"listening on {served.backend.transport.url} (Ctrl-C stops)", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await served.stop(timeout=10.0)  # turns in flight finish first


async def smoke() -> None:
    from websocket_client import call, question_audio  # this folder's client

    pcm = await asyncio.to_thread(question_audio, "What is the capital of France?")
    served: Served = build_served(load_config(config(0, str(HERE / "speech_graph.yaml"))))
    await served.start()
    try:
        answer = await call(served.backend.transport.url, pcm)
    finally:
        await served.stop(timeout=5.0)
    print(f"transcript: {answer.transcript.strip()}")
    print(f"reply: {answer.reply}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(smoke() if args.smoke else serve_forever(args.port))


if __name__ == "__main__":
    main()
