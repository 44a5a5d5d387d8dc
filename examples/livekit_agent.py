"""A voice agent in LiveKit rooms: joining a room itself, or as a worker LiveKit dispatches.

Shows the two LiveKit providers, the same graph behind each:
- `livekit` (room agent): the agent joins the rooms you name and talks to every user
  who comes in, one session per user (its own track `voicegraph-agent:<user>`);
- `livekit_worker` (agent worker): the process registers with the server's `/agent`
  endpoint (LiveKit's agent worker protocol); the server sends it each new room (or
  the rooms dispatched to its `agent_name`), weighted by the load workers report.
  `voicegraph worker CONFIG --processes N` runs several (docs/scaling.md).
Both read LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET from the environment
(`livekit-server --dev` uses devkey / secret; scripts/livekit_server.sh builds one).

Run:  python examples/livekit_agent.py [--worker]          (the stock agent; Ctrl-C stops)
      python examples/livekit_user.py example              (a user, in another terminal)
Smoke: python examples/livekit_agent.py --smoke [--worker]
      serves examples/speech_graph.yaml, joins the room `example` as a user with
      livekit_user.py, asks one question and prints the agent's words.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
from pathlib import Path
from typing import Any

from voicegraph.backends import build_served, load_config

HERE = Path(__file__).parent
ROOM = "example"


def config(worker: bool, graph: str, room: str = ROOM) -> dict[str, Any]:
    backend: dict[str, Any] = (
        {"provider": "livekit_worker", "options": {"agent_name": ""}}  # "": every new room
        if worker
        else {"provider": "livekit", "options": {"rooms": [room]}}  # join these rooms
    )
    return {
        "backend": backend,
        "graph": graph,
        "persistence": {"url": "memory://"},
        "health": {"enabled": False},
    }


async def serve_forever(worker: bool) -> None:
    served = build_served(load_config(config(worker, "voice-agent")))
    await served.start()
    print("worker registered" if worker else f"agent in room {ROOM!r}", "(Ctrl-C stops)", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await served.stop(timeout=10.0)


async def smoke(worker: bool) -> None:
    from livekit_user import ask  # this folder's LiveKit user

    from voicegraph.demo.caller_voice import CallerVoice
    from voicegraph.transports.livekit import LiveKitConfig

    pcm = await asyncio.to_thread(CallerVoice(engine="piper").speak, "What is the capital of France?")
    room = f"{ROOM}-{secrets.token_hex(3)}"  # a new room: a worker is sent new rooms only
    served = build_served(load_config(config(worker, str(HERE / "speech_graph.yaml"), room)))
    await served.start()
    try:
        reply = await ask(LiveKitConfig.from_env(), room, pcm)
    finally:
        await served.stop(timeout=5.0)
    print(f"{'worker' if worker else 'room agent'}: agent said: {reply}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help="register as a LiveKit agent worker")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(smoke(args.worker) if args.smoke else serve_forever(args.worker))


if __name__ == "__main__":
    main()
