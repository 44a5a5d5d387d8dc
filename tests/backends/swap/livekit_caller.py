"""Swap caller for `livekit`: a user joins the room `swap` on the real livekit-server with the
livekit Python SDK (tests/transports/livekit/sim_user.py), publishes the question as a
microphone track in real time and records the agent's track; the user's words come back
as an `lk.transcription` text stream. Runs in the livekit-server's network namespace with
`LIVEKIT_URL`, `LIVEKIT_API_KEY` and `LIVEKIT_API_SECRET` set (the served process reads
the same variables)."""

from __future__ import annotations

import contextlib
import os
import time

from tests.serving.livekit_scenario import Transcriptions
from tests.transports.livekit.sim_user import SimUser, wait_for
from voicegraph.transports.livekit import LiveKitConfig, TokenIssuer

from .call_result import CallResult
from .listening import QUIET_S, REPLY_BOUND_S, spoken_question

ROOM, USER = "swap", "caller"


async def livekit_call() -> CallResult:
    """Join, say the question once the agent's track is there, record until the reply is over."""
    config = LiveKitConfig.create(
        url=os.environ["LIVEKIT_URL"], api_key=os.environ["LIVEKIT_API_KEY"],
        api_secret=os.environ["LIVEKIT_API_SECRET"],
    )  # fmt: skip
    result = CallResult("livekit", rate=48000)
    user = SimUser(config.url, await TokenIssuer(config).client_token(USER, ROOM), USER,
                   agent_identity=config.agent_identity)  # fmt: skip
    got = Transcriptions(user.room)
    await user.join()
    try:
        await wait_for(user.subscribed.is_set, 20)
        spoken_end = await user.say(spoken_question(16000))
        with contextlib.suppress(TimeoutError):
            await wait_for(lambda: _over(user, spoken_end), REPLY_BOUND_S)
        result.bot = user.heard.audio(spoken_end)
        with contextlib.suppress(TimeoutError):
            await wait_for(lambda: bool(got.finals(USER)), 5)
        result.user_text = " ".join(got.finals(USER))
    finally:
        await user.leave()
    return result


def _over(user: SimUser, after_ns: int) -> bool:
    loud = user.heard.loud_times(after_ns)
    return bool(loud) and loud[-1] < time.monotonic_ns() - int(QUIET_S * 1e9)
