"""`voicegraph demo`: the offline demo."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse


def _run(args: argparse.Namespace) -> int:
    from voicegraph.demo.runtime_demo import run_demo

    asyncio.run(run_demo())
    return 0


def add_parser(sub: Any) -> None:
    """Register `demo`."""
    sub.add_parser("demo", help="run the offline demo").set_defaults(fn=_run)
