"""kill -9 in the middle of a spoken turn loses nothing: `voicegraph serve` started cold from
`configs/crash_resume.yaml` (typed text, scripted agent, eSpeak) is SIGKILLed by pid at seeded
random points of a turn, started again, and the caller resumes with its token — on SQLite and on
a real loopback Redis. The 50-kill sweep is `benchmarks/crash_resume.py`."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.backends import conftest as backend_fixtures

from .crash_caller import CrashCaller, Kill

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(240)]

redis_url = backend_fixtures.redis_url  # the real redis-server of the backend tests
KILLS = 5
TURN_S = 2.2
"""About how long a scripted line takes to play: kill points are drawn from [0, TURN_S]."""


async def _kill_and_resume(store_url: str, workdir: Path, seed: int) -> list[Kill]:
    rng = random.Random(seed)
    async with CrashCaller(store_url, workdir) as caller:
        started = await caller.open()
        assert started["resumed"] is False
        assert (await caller.turn("hello there")).startswith("Line one")
        return [
            await caller.kill_in_turn(f"question number {k}", rng.uniform(0.0, TURN_S)) for k in range(KILLS)
        ]


def _check(kills: list[Kill]) -> None:
    for kill in kills:
        assert kill.resumed, kill
        assert kill.earlier_kept, kill
        assert kill.kept_user or not kill.user_final, kill
        assert not kill.repeated, kill
        # a word's bot_text reaches the caller a few ms before its store write commits: a kill
        # in that window loses that one word, never more
        assert kill.lost_words <= 1, kill
    assert any(kill.heard and kill.kept_played for kill in kills), "no kill came while words played"


async def test_a_kill_9_mid_turn_resumes_with_the_words_heard_on_sqlite(tmp_path: Path) -> None:
    _check(await _kill_and_resume(f"sqlite:///{tmp_path / 'sessions.db'}", tmp_path, seed=18))


async def test_a_kill_9_mid_turn_resumes_with_the_words_heard_on_redis(
    tmp_path: Path, redis_url: str
) -> None:
    _check(await _kill_and_resume(redis_url, tmp_path, seed=1818))
