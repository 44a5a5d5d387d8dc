"""kill -9 at random points of spoken turns, restart, resume: how many resumed, words lost.

    python -m benchmarks.crash_resume                    # 50 kills on SQLite (about 4 minutes)
    python -m benchmarks.crash_resume --store redis      # on a real loopback redis-server
    python -m benchmarks.crash_resume --store both --kills 10 --seed 7

`voicegraph serve tests/serving/configs/crash_resume.yaml` (typed text in, a scripted agent,
eSpeak speech out, raw PCM WebSocket) runs in a subprocess; a caller talks to it, and in each
killed turn the server is SIGKILLed by pid at a seeded random point between the user's words
and the end of the reply, started again on the same port and store, and the caller resumes
with its token and says one more thing. Kills come in sessions of `--per-session` (the script
has 14 lines; each kill uses two). Prints one JSON object per store (stdout; progress on
stderr):

- `kills`, `resumed` (the server answered `"resumed": true`), `repeated` (the reply after
  the resume was a script line the caller had already heard: nodes restarted from zero),
- `lost_words` (total) and `lost_words_max` (in one kill): words the caller had received
  (its own words echoed as final, the reply's words as played) that the resumed session's
  context does not hold; `extra_words`: words the context holds as played that had not
  reached the caller when the kill came,
- `killed_while_playing` (kills that came after some words of the reply had played),
  `user_words_lost` (kills whose final user words the context lost), `seconds`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.backends.conftest import _wait_port, free_port
from tests.serving.crash_caller import CrashCaller, Kill

TURN_S = 2.2
"""About how long a script line takes to play (kill points are drawn from [0, TURN_S])."""


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A redis-server (append-only) on a free loopback port, stopped by pid."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (scripts/setup.sh installs it)")
    port = free_port()
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"]
    cmd += ["--dir", str(workdir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)


async def sweep(store_url: str, workdir: Path, kills: int, per_session: int, seed: int) -> list[Kill]:
    """`kills` kills in sessions of `per_session`, on one store."""
    rng = random.Random(seed)
    done: list[Kill] = []
    while len(done) < kills:
        async with CrashCaller(store_url, workdir) as caller:
            await caller.open()
            await caller.turn("hello there")
            for _ in range(min(per_session, kills - len(done))):
                kill = await caller.kill_in_turn(f"question number {len(done)}", rng.uniform(0.0, TURN_S))
                done.append(kill)
                print(f"kill {len(done)}/{kills}: {kill}", file=sys.stderr)
    return done


def summary(store: str, kills: list[Kill], seconds: float) -> dict[str, Any]:
    """The JSON figures of one store's sweep."""
    return {
        "store": store,
        "kills": len(kills),
        "resumed": sum(k.resumed for k in kills),
        "repeated": sum(k.repeated for k in kills),
        "lost_words": sum(k.lost_words for k in kills),
        "lost_words_max": max((k.lost_words for k in kills), default=0),
        "extra_words": sum(k.extra_words for k in kills),
        "user_words_lost": sum(k.user_final and not k.kept_user for k in kills),
        "earlier_turns_lost": sum(not k.earlier_kept for k in kills),
        "killed_while_playing": sum(bool(k.heard) for k in kills),
        "seconds": round(seconds, 1),
    }


async def run(store: str, kills: int, per_session: int, seed: int) -> dict[str, Any]:
    """One store's sweep in a fresh temp directory."""
    with tempfile.TemporaryDirectory(prefix="vg-crash-") as tmp:
        workdir = Path(tmp)
        t0 = time.monotonic()
        if store == "redis":
            with redis_server(workdir) as url:
                done = await sweep(url, workdir, kills, per_session, seed)
        else:
            done = await sweep(f"sqlite:///{workdir / 'sessions.db'}", workdir, kills, per_session, seed)
        return summary(store, done, time.monotonic() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "redis", "both"), default="sqlite")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--per-session", type=int, default=5)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers it started
    stores = ("sqlite", "redis") if args.store == "both" else (args.store,)
    for store in stores:
        result = asyncio.run(run(store, args.kills, max(1, min(args.per_session, 6)), args.seed))
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
