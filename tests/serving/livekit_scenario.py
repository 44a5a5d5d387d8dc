"""Scenario: a LiveKit user calls a cold `voicegraph serve` (LiveKit provider, stock voice agent).

`python -m tests.serving.livekit_scenario [--early]` runs inside the test
livekit-server's network namespace (`ip netns exec`, see tests/livekit_server.py) with
`LIVEKIT_URL`, `LIVEKIT_API_KEY` and `LIVEKIT_API_SECRET` set. It starts `voicegraph
serve tests/serving/configs/livekit.yaml` as a subprocess (its agent joins room
`serving-test`) and waits for `ready` (with `--early`: only for `listening`). Then it
joins the room as user `caller` with the livekit Python SDK
(tests/transports/livekit/sim_user.py), publishes the question as a microphone track in
real time, records the agent's audio and every `lk.transcription` text stream, leaves,
stops the server with SIGTERM and prints one JSON object.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from livekit import rtc

from tests.transports.livekit.sim_user import SimUser, wait_for
from voicegraph.transports.livekit import LiveKitConfig, TokenIssuer

from .question import question, silence
from .serve_process import ServeProcess, config_path
from .served_call import READY_S, REPLY_BOUND_S

ROOM = "serving-test"
USER = "caller"
TOPIC = "lk.transcription"


class Transcriptions:
    """Every stream the user receives on `lk.transcription`, read to its end."""

    def __init__(self, room: rtc.Room) -> None:
        self.streams: list[dict[str, Any]] = []
        self._tasks: list[asyncio.Task[None]] = []
        room.register_text_stream_handler(TOPIC, self._on_stream)

    def _on_stream(self, reader: rtc.TextStreamReader, sender: str) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(self._read(reader, sender)))

    async def _read(self, reader: rtc.TextStreamReader, sender: str) -> None:
        text = await reader.read_all()
        attrs = dict(reader.info.attributes or {})
        self.streams.append({"sender": sender, "text": text, "final": attrs.get("lk.transcription_final")})

    def finals(self, sender: str) -> list[str]:
        return [s["text"] for s in self.streams if s["sender"] == sender and s["final"] == "true"]


async def converse(config: LiveKitConfig, out: dict[str, Any]) -> None:
    """Join, wait for the agent's track, say the question, wait for its audio and words."""
    token = await TokenIssuer(config).client_token(USER, ROOM)
    user = SimUser(config.url, token, USER, agent_identity=config.agent_identity)
    got = Transcriptions(user.room)
    await user.join()
    try:
        await wait_for(user.subscribed.is_set, 20)
        out["subscribed"] = True
        spoken_end = await user.say(np.concatenate([silence(0.3), question()]))
        t0 = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await wait_for(lambda: bool(user.heard.loud_times(spoken_end)), REPLY_BOUND_S)
        loud = user.heard.loud_times(spoken_end)
        out["reply_after_s"] = round((loud[0] - spoken_end) / 1e9, 2) if loud else None
        with contextlib.suppress(TimeoutError):
            await wait_for(lambda: bool(got.finals(config.agent_identity)), REPLY_BOUND_S)
        out["bot_words_s"] = round(time.monotonic() - t0, 2)
        out["loud_frames"] = len(user.heard.loud_times(spoken_end))
    finally:
        out["transcriptions"] = got.streams
        out["user_said"] = " ".join(got.finals(USER))
        out["bot_said"] = " ".join(got.finals(config.agent_identity))
        await user.leave()


def main(early: bool) -> dict[str, Any]:
    """With `early`, the user joins as soon as the server listens (its agent is in the
    room, its engines still loading), not once it says `ready`."""
    out: dict[str, Any] = {"early": early}
    question()  # synthesized before the server starts, not while it loads
    config = LiveKitConfig.create(
        url=os.environ["LIVEKIT_URL"], api_key=os.environ["LIVEKIT_API_KEY"],
        api_secret=os.environ["LIVEKIT_API_SECRET"],
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="vg-serve-livekit-") as tmp:
        server = ServeProcess(config_path("livekit"), Path(tmp)).start()
        try:
            server.event("listening", timeout=READY_S)
            if not early:
                out["ready"] = server.ready(READY_S)
            asyncio.run(converse(config, out))
            out["ready_s"] = next((t for t, e in server.events if e.get("event") == "ready"), None)
            server.sigterm_timed(out)
        except (AssertionError, TimeoutError) as exc:
            out["error"] = f"{type(exc).__name__}: {str(exc)[:4000]}"
        finally:
            server.stop()
            out["server"] = server.tail(40)
    return out


if __name__ == "__main__":
    print(json.dumps(main(early="--early" in sys.argv[1:])))
