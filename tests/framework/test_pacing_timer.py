"""The process's one pacing timer: never early, sleepers of one slot share a wake-up."""

from __future__ import annotations

import asyncio
import time

import pytest

from voicegraph.framework import MonotonicClock
from voicegraph.framework.pacing_timer import PacingTimer, pacing_timer

pytestmark = pytest.mark.anyio

MS = 1_000_000


async def test_sleepers_wake_in_order_never_before_their_deadlines() -> None:
    clock = MonotonicClock()
    t0 = time.monotonic_ns()
    woke: list[tuple[str, int, int]] = []

    async def sleeper(tag: str, at: int) -> None:
        await clock.sleep_until(at)
        woke.append((tag, at, time.monotonic_ns()))

    await asyncio.gather(
        sleeper("late", t0 + 60 * MS), sleeper("early", t0 + 20 * MS), sleeper("mid", t0 + 40 * MS)
    )
    assert [tag for tag, _, _ in woke] == ["early", "mid", "late"]
    assert all(now >= at for _, at, now in woke)


async def test_sleepers_due_in_the_same_slot_share_one_wake_up() -> None:
    timer = pacing_timer()
    clock = MonotonicClock()
    before = timer.wakeups
    at = time.monotonic_ns() + 30 * MS
    # 50 loops whose deadlines fall within one millisecond
    await asyncio.gather(*(clock.sleep_until(at - (at % MS) + i * 10_000) for i in range(50)))
    assert timer.wakeups - before <= 2  # one for the slot (a second if the loop ran it early)
    assert len(timer) == 0


async def test_an_earlier_deadline_added_later_is_not_held_back_by_the_armed_one() -> None:
    clock = MonotonicClock()
    t0 = time.monotonic_ns()
    far = asyncio.ensure_future(clock.sleep_until(t0 + 2_000 * MS))
    await asyncio.sleep(0)
    await clock.sleep_until(t0 + 20 * MS)
    assert time.monotonic_ns() - t0 < 1_000 * MS
    assert not far.done()
    far.cancel()


async def test_a_cancelled_sleeper_leaves_the_others_sleeping_and_waking() -> None:
    timer = PacingTimer(asyncio.get_running_loop())
    at = time.monotonic_ns() + 20 * MS
    gone, kept = timer.wait(at), timer.wait(at)
    gone.cancel()
    await kept
    assert kept.done() and not kept.cancelled()
    assert len(timer) == 0


async def test_a_past_deadline_returns_at_once_and_per_sleeper_timers_still_work() -> None:
    t0 = time.monotonic_ns()
    await MonotonicClock().sleep_until(t0 - 5 * MS)
    await MonotonicClock(shared=False).sleep_until(t0 + 10 * MS)
    assert time.monotonic_ns() >= t0 + 10 * MS
