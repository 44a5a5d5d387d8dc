"""The `voicegraph` command: demo, providers."""

from __future__ import annotations

import argparse
import asyncio
import sys


def _demo(args: argparse.Namespace) -> int:
    from voicegraph.graphs.runtime_demo import run_demo

    asyncio.run(run_demo())
    return 0


def _providers(args: argparse.Namespace) -> int:
    from voicegraph.framework.registry import GROUPS, registry

    for kind in GROUPS:
        print(f"{kind}: {', '.join(registry.names(kind)) or '-'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `voicegraph` command."""
    parser = argparse.ArgumentParser(prog="voicegraph", description="Real-time voice agents as graphs.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the offline demo").set_defaults(fn=_demo)
    sub.add_parser("providers", help="list registered processors, transports, backends").set_defaults(
        fn=_providers
    )
    args = parser.parse_args(argv)
    result: int = args.fn(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
