"""UnservedRooms: rooms the server dispatched to nobody (every worker full), dispatched again."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.livekit_worker.dispatch_requests import create_dispatch
from voicegraph.framework.errors import VoiceError

if TYPE_CHECKING:
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig

log = logging.getLogger("voicegraph.livekit_worker")


@dataclass(frozen=True, slots=True)
class Unserved:
    """A room whose latest dispatch of an agent name got no job."""

    room: str
    first_s: float
    """Unix time of the earliest dispatch in the run of dispatches with no job."""
    last_s: float
    """Unix time of the latest dispatch."""


def unserved(room: str, agent_name: str, dispatches: list[Any]) -> Unserved | None:
    """Whether the latest of `room`'s dispatches of `agent_name` has no job (AgentDispatch list).

    Each dispatch carries the jobs the server assigned for it (`state.jobs`); a dispatch
    the server could place nowhere keeps none. Every retry is a new dispatch, so the
    trailing run of dispatches with no job says since when the room waits.
    """
    mine = sorted((d for d in dispatches if d.agent_name == agent_name), key=lambda d: d.state.created_at)
    run: list[Any] = []
    for d in mine:
        run = [*run, d] if not d.state.jobs else []
    if not run:
        return None
    return Unserved(room, run[0].state.created_at / 1e9, run[-1].state.created_at / 1e9)


class UnservedRooms:
    """Finds the rooms no worker took and asks the server to dispatch them again.

    livekit-server offers a new room's job only while one of its workers is WS_AVAILABLE
    under the server's `agents.target_load` (0.7 by default); it offers it to those
    workers one after another, and when none is left (all full, or each declined) it drops
    the job: the room stays without an agent and the server never offers it again. So a
    worker with free slots calls `retry` every heartbeat; at most one worker of the fleet
    scans per heartbeat (`SET NX` on `<prefix>:scan`). The scan lists the rooms that have
    participants and no job record in the ledger, then their dispatches
    (AgentDispatchService ListDispatch): a room whose latest dispatch of this worker's
    agent name has no job, made more than `grace_s` ago (the server may still be placing
    it), is claimed (`SET NX` on `<prefix>:retry:<room>`, kept `grace_s`) and dispatched
    again (CreateDispatch). The server then offers it like any job. A room that waited
    longer than `window_s` since its first unplaced dispatch is left alone: the retries
    are bounded. At most `free` rooms per scan. Latency: one ListRooms plus one
    ListDispatch per room without a job record (~2 ms each on loopback) per heartbeat.

    Args:
        prefix: the ledger's key prefix.
        agent_name: the agent name this fleet serves ("" automatic dispatch).
        grace_s: between a dispatch and its retry.
        window_s: how long after its first unplaced dispatch a room is retried (0: never).
    """

    def __init__(self, prefix: str, *, agent_name: str, grace_s: float, window_s: float) -> None:
        self.prefix, self.agent_name, self.grace_s, self.window_s = prefix, agent_name, grace_s, window_s
        self.retried: list[dict[str, Any]] = []
        """Rooms this worker asked the server to dispatch again (room, agent name, waited s)."""

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def retry(self, r: Any, config: LiveKitConfig, free: int, period_s: float) -> None:
        """Dispatch again up to `free` rooms that wait for an agent (one scan per `period_s`)."""
        if self.window_s <= 0 or free <= 0:
            return
        if not await r.set(self._k("scan"), "1", nx=True, px=max(1, int(period_s * 1000))):
            return  # another worker scans in this period
        from livekit import api

        lk = api.LiveKitAPI(config.http_url, config.api_key, config.secret())
        try:
            rooms = (await lk.room.list_rooms(api.ListRoomsRequest())).rooms
            for room in rooms:
                if free <= 0:
                    break
                if room.num_participants < 1 or await r.exists(self._k("job", room.name)):
                    continue
                waiting = unserved(
                    room.name, self.agent_name, await lk.agent_dispatch.list_dispatch(room.name)
                )
                if waiting is not None and await self._dispatch_again(r, config, waiting):
                    free -= 1
        except Exception as exc:
            log.warning("job ledger: scan for unserved rooms: %s", exc)
        finally:
            await lk.aclose()

    async def _dispatch_again(self, r: Any, config: LiveKitConfig, waiting: Unserved) -> bool:
        now = time.time()
        if now - waiting.last_s < self.grace_s or now - waiting.first_s > self.window_s:
            return False
        if not await r.set(self._k("retry", waiting.room), "1", nx=True, px=int(self.grace_s * 1000)):
            return False  # another worker retries it
        try:
            await create_dispatch(config, waiting.room, self.agent_name, "retry-unserved")
        except VoiceError as err:
            log.warning("job ledger: unserved room %s: %s", waiting.room, err)
            return False
        waited = round(now - waiting.first_s, 2)
        self.retried.append({"room": waiting.room, "agent_name": self.agent_name, "waited_s": waited})
        log.info("job ledger: room %s had no agent for %.1f s: dispatched again", waiting.room, waited)
        return True
