"""kill -9 of a worker with calls in flight: its rooms are dispatched again and the
conversations go on, with their earlier turns in context, on the surviving worker.

Two workers registered as agent `resumer` (explicit dispatch through the users' token
room configuration) or unnamed (automatic dispatch), sessions in a shared Redis store
and the job ledger in the same
Redis. Each user has one turn answered ("turn 1"), then the worker of room 0 is killed.
The survivor sees the dead worker's liveness mark expire, claims its rooms and asks the
server to dispatch them again (AgentDispatchService); it takes them itself, resumes each
user's session from Redis and answers the next turn as "turn 2" (a fresh session would
say "turn 1"). The bound from the kill to the new agent's audio and to the answered turn
is printed (the benchmark measures it too).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from typing import Any

import pytest

from tests.livekit_server import LiveKitServer
from voicegraph.transports.livekit import LiveKitConfig

from .worker_fleet import Caller, RedisProcess, WorkerProcess, lk_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

AGENT_NAME = "resumer"
ROOMS = 4
HEARTBEAT_S = 0.5


def shared_env(redis: RedisProcess) -> dict[str, str]:
    return {
        "VOICEGRAPH_PERSISTENCE__URL": redis.url, "VOICEGRAPH_BACKEND__OPTIONS__LEDGER_URL": redis.url,
        "VOICEGRAPH_BACKEND__OPTIONS__HEARTBEAT_S": str(HEARTBEAT_S),
    }  # fmt: skip


async def kill_and_resume(config: LiveKitConfig, workers: list[WorkerProcess], name: str) -> dict[str, Any]:
    callers = [Caller(config, f"failover-{name or 'auto'}-{i}", agent_name=name) for i in range(ROOMS)]
    out: dict[str, Any] = {}
    try:
        for c in callers:
            await c.join()
            await asyncio.sleep(0.3)
        await asyncio.gather(*(c.turn(1) for c in callers))
        await asyncio.sleep(1.0)  # turn 1 is persisted at its end; leave room for the write
        pid = callers[0].served_by()[1]
        victim = next(w for w in workers if str(w.proc.pid) == pid)
        moved = [c for c in callers if c.served_by()[1] == pid]
        streams = {c.room_name: c.user.streams for c in moved if c.user is not None}
        victim.signal(signal.SIGKILL)
        t_kill = time.monotonic()
        victim.wait(10)  # reaped, as `voicegraph worker --processes N` reaps its children
        back: list[float] = []

        async def comes_back(c: Caller) -> float:
            async with asyncio.timeout(60):
                while c.user is None or c.user.streams <= streams[c.room_name]:  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
            back.append(time.monotonic() - t_kill)
            return await c.turn(2)

        stay = [c for c in callers if c not in moved]
        replies = await asyncio.gather(
            *(comes_back(c) for c in moved), *(c.turn(2) for c in stay), return_exceptions=True
        )
        answered = [r for r in replies if isinstance(r, float)]
        out.update(
            moved=len(moved),
            agent_back_s=sorted(back),
            failures=[repr(r) for r in replies if r not in answered],
            answered_s=max(back, default=0) + max(answered, default=0),
            served_after={c.room_name: c.served_by()[0] for c in callers},
            bot_said={c.room_name: c.bot_said for c in callers},
        )
    finally:
        await asyncio.gather(*(c.leave() for c in callers))
    return out


@pytest.mark.parametrize("name", [AGENT_NAME, ""], ids=["explicit", "automatic"])
def test_a_killed_workers_conversations_resume_on_the_survivor_with_their_context(
    livekit: LiveKitServer, redis_in_netns: RedisProcess, name: str
) -> None:
    env = shared_env(redis_in_netns)
    args = ("--agent-name", name) if name else ()
    workers = [WorkerProcess(livekit, env=env, args=args) for _ in range(2)]
    try:
        for w in workers:
            w.event("registered")
        result = asyncio.run(kill_and_resume(lk_config(livekit), workers, name))
    finally:
        for w in workers:
            w.stop()
    print(json.dumps({k: v for k, v in result.items() if k != "bot_said"}))
    survivor = next(w for w in workers if w.proc.returncode != -signal.SIGKILL)
    assert survivor.proc.returncode == 0, (survivor.proc.returncode, result, survivor.tail())
    assert result["moved"] >= 1 and not result["failures"], (result, survivor.tail())
    assert set(result["served_after"].values()) == {survivor.worker_id}, (result, survivor.tail())
    for room, said in result["bot_said"].items():
        assert any("(turn 2)" in s for s in said), (room, said, survivor.tail())
    assert not any("(turn 1)" in s for said in result["bot_said"].values() for s in said[1:]), result
