"""Swap caller for `daily`: the same config (only its backend block differs) served in THIS
process, the agent joining a Daily room through the stand-in for daily-python's
`CallClient` (tests/fakes/daily_call_client.py) and the room made through the local fake
of Daily's REST API (tests/fakes/daily_rest.py).

Why not a `voicegraph serve` subprocess like the others: Daily's servers cannot be reached
from here and its media protocol is not public, so the only "room" is the stand-in, a
Python object the provider takes as its `sdk` option; it cannot cross a process
boundary. Everything else (config loading, the provider, sessions, the graph and its
engines) is what `voicegraph serve` runs. Daily carries no text for a plain participant,
so the user's words are read from the session store, as for Twilio.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from tests.fakes.daily_call_client import FakeDailyServer
from tests.fakes.daily_rest import FakeDailyRest
from tests.transports.daily.agent_graphs import wait_for
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.transports.daily.participant_tracks import track_name

from .call_result import CallResult, filed_user_text
from .listening import QUIET_S, REPLY_BOUND_S, spoken_question
from .swap_config import config_for

API_KEY = "swap-key"


@contextlib.contextmanager
def _api_key() -> Iterator[None]:
    """DAILY_API_KEY set for the provider (it reads the variable named by `api_key_env`)."""
    before = os.environ.get("DAILY_API_KEY")
    os.environ["DAILY_API_KEY"] = API_KEY
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DAILY_API_KEY", None)
        else:
            os.environ["DAILY_API_KEY"] = before


async def daily_call(workdir: Path) -> CallResult:
    """Serve the swap config as `daily` in process; a participant asks the question."""
    result, store = CallResult("daily"), workdir / "sessions.db"
    with _api_key():
        async with FakeDailyRest(API_KEY) as rest:
            server = FakeDailyServer(rest)
            config = config_for("daily", store=store)
            config["backend"]["options"]["api_url"] = rest.base_url
            loaded = load_config(config, env={"DAILY_API_KEY": API_KEY})
            # The stand-in goes in after validation: `sdk` is a Python-only option that
            # serve's config check (rightly) does not list for YAML files.
            loaded.backend.options["sdk"] = server.sdk
            served = build_served(loaded)
            await served.start()
            try:
                room = server.room(rest.rooms["swap"]["url"])
                user = room.add_user("caller")
                await wait_for(lambda: served.backend.transport.sessions, 10)
                spoken_end = user.say(spoken_question(16000))
                track = room.track(track_name(user.id))

                def over() -> bool:
                    loud = track.loud_times(spoken_end)
                    return bool(loud) and loud[-1] < time.monotonic_ns() - int(QUIET_S * 1e9)

                with contextlib.suppress(TimeoutError):
                    await wait_for(over, len(spoken_question(16000)) / 16000 + REPLY_BOUND_S)
                result.bot, result.rate = track.audio(spoken_end), track.rate
                user.leave()  # the session ends and is filed as completed
                with contextlib.suppress(TimeoutError):
                    await wait_for(lambda: not served.backend.transport.sessions, 10)
            finally:
                await served.stop(5)
    result.user_text = filed_user_text(store)
    return result
