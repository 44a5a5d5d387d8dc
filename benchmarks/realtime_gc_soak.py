"""The soak benchmark (`benchmarks.soak`) with the serving GC policy on: does memory stay flat?

    python -m benchmarks.realtime_gc_soak --sessions 2000 --transport memory [--policy server|python]

Applies the policy as `voicegraph serve` does (after start-up: collect, freeze the start-up
heap, thresholds; `--policy python` leaves the collector alone), then runs `benchmarks.soak`
with the remaining arguments. Unlike the plain soak, the samples do NOT force a collection
first (`--collect` restores that): RSS and tracked objects then show what the policy's
thresholds let wait for the collector, and whether freezing kept anything alive.
JSON as `benchmarks.soak` prints it, plus `gc_policy` (what was applied) and `gc_counts`.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: import `benchmarks` from the repo root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks import soak
from benchmarks.realtime_tails import policy_config
from voicegraph.backends.gc_policy import apply_gc_policy


class _SampleWithoutCollect:
    """Stands in for `gc` inside `benchmarks.soak`: sampling takes no collection."""

    @staticmethod
    def collect() -> int:
        return 0

    @staticmethod
    def get_objects() -> list[Any]:
        return gc.get_objects()


def main(argv: list[str] | None = None) -> None:
    """Apply the policy, then run the soak benchmark with the other arguments."""
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--policy", default="server")
    ap.add_argument("--collect", action="store_true", help="collect before each sample (as plain soak)")
    args, rest = ap.parse_known_args(argv)
    from voicegraph.backends.providers import register_builtin

    register_builtin()  # the start-up heap: providers and modules imported, no session yet
    applied = apply_gc_policy(policy_config(args.policy))
    print(f"gc policy {args.policy}: {applied}", file=sys.stderr, flush=True)
    if not args.collect:
        setattr(soak, "gc", _SampleWithoutCollect())  # noqa: B010  # a module global, not an attribute mypy knows
    if "--out" not in rest:
        rest += ["--out", str(soak.RESULTS.with_name(f"soak_gc_{args.policy.replace('/', '_')}.json"))]
    soak.main(rest)
    print(f"gc counts at the end: {gc.get_count()}, gen-2 objects: {len(gc.get_objects(2))}", file=sys.stderr)


if __name__ == "__main__":
    main()
