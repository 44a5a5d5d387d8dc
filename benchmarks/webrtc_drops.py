"""Forced WebRTC drops: does a new peer connection with the resume token continue the session?

    PYTHONPATH=. python -m benchmarks.webrtc_drops [--drops 20]

Run by `benchmarks/faults.py` inside a loopback-only network namespace (see
tests/transports/webrtc/netns.py; run it there yourself too: aiortc offers every
interface). A configured `webrtc` backend (echo agent, `resume_grace_s` 10 s) is called by
aiortc peers. After a first typed turn, each drop ends the current peer connection
without a hang-up, alternately by `close` (the peer connection is closed: DTLS and SCTP
say so, the server sees it) and by `cut` (the client's ICE sockets are closed: nothing
reaches the server, which still thinks the peer is there), then a new peer offers the
resume token. Per drop: resumed (same session, `"resumed": true`), the time from the
drop to the connected new peer (`time_to_resume`), and whether the next typed turn is
answered with the right turn number (the earlier turns are in the session's context).

Prints one JSON object (last line of stdout). Everything stays on 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

from tests.faults.ws_calls import ms_stats
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers import register_builtin
from voicegraph.framework import VoiceError
from voicegraph.transports.webrtc import WebRTCClient

CONFIG: dict[str, Any] = {
    "backend": {
        "provider": "webrtc",
        "options": {"host": "127.0.0.1", "port": 0, "connect_timeout_s": 5, "resume_grace_s": 10.0},
    },
    "graph": {
        "name": "echo",
        "nodes": [{"id": "agent", "type": "echo_agent", "params": {"prefix": "Said:"}}],
    },
    "persistence": {"url": "memory://"},
    "health": {"enabled": False},
    "limits": {"max_sessions": 2},
}


async def ask(client: WebRTCClient, text: str, timeout: float = 10.0) -> str:
    """Type `text`; the agent's reply ("Said: <text> (turn N)"), or "" if none came in time."""
    client.send_message({"type": "text", "text": text})
    words: list[str] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while not "".join(words).endswith(")"):
                event = await client.wait_event("bot_text")
                client.events.remove(event)
                words.append(event["text"])
    return "".join(words)


async def drop(client: WebRTCClient, how: str) -> None:
    """End `client`'s peer connection without a hang-up: `close` it, or `cut` its ICE sockets."""
    if how == "cut":  # aiortc keeps the aioice connection on its ICE transport
        ice = client.pc.getTransceivers()[0].receiver.transport.transport
        with contextlib.suppress(Exception):
            await ice._connection.close()
        return
    await client.close()


async def run(drops: int) -> dict[str, Any]:
    register_builtin()
    served = build_served(load_config(CONFIG, env={}), env={})
    await served.start()
    url = served.backend.transport.url
    per_mode: dict[str, dict[str, Any]] = {
        m: {"drops": 0, "resumed": 0, "answered": 0, "s": []} for m in ("close", "cut")
    }
    sessions: set[str] = set()
    old: list[WebRTCClient] = []
    try:
        client = WebRTCClient(url, timeout_s=10)
        sessions.add(await client.connect())
        first_ok = (await ask(client, "w0")).endswith("(turn 1)")
        for k in range(drops):
            how = ("close", "cut")[k % 2]
            stats = per_mode[how]
            stats["drops"] += 1
            await drop(client, how)
            old.append(client)
            t0 = time.perf_counter()
            client = WebRTCClient(url, timeout_s=10, resume=client.resume_token)
            try:
                sessions.add(await client.connect())
            except VoiceError as err:
                stats.setdefault("errors", []).append(str(err.code))
                break
            if client.resumed:
                stats["resumed"] += 1
                stats["s"].append(time.perf_counter() - t0)
            stats["answered"] += (await ask(client, f"w{k + 1}")).endswith(f"(turn {k + 2})")
        await client.hangup()
    finally:
        for gone in old:
            with contextlib.suppress(Exception):
                await gone.close()
        await served.stop(5)
    modes = {
        m: {"drops": s["drops"], "resumed_same_session": s["resumed"], "turn_answered_after": s["answered"],
            "time_to_resume": ms_stats(s["s"]), **({"errors": s["errors"]} if "errors" in s else {})}
        for m, s in per_mode.items()
    }  # fmt: skip
    return {
        "drops": drops,
        "resumed_same_session": sum(s["resumed"] for s in per_mode.values()),
        "turn_answered_after": sum(s["answered"] for s in per_mode.values()),
        "sessions": len(sessions),
        "first_turn_answered": first_ok,
        "time_to_resume": ms_stats([x for s in per_mode.values() for x in s["s"]]),
        "by_drop": modes,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drops", type=int, default=20)
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args.drops))))


if __name__ == "__main__":
    main()
