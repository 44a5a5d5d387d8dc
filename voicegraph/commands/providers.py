"""`voicegraph providers`: list registered processors, transports and backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse


def _run(args: argparse.Namespace) -> int:
    from voicegraph.framework.registry import GROUPS, registry

    for kind in GROUPS:
        print(f"{kind}: {', '.join(registry.names(kind)) or '-'}")
    return 0


def add_parser(sub: Any) -> None:
    """Register `providers`."""
    sub.add_parser("providers", help="list registered processors, transports, backends").set_defaults(fn=_run)
