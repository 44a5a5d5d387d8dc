"""The `voicegraph` command. Each subcommand lives in `voicegraph/commands/<name>.py`,
which defines `add_parser(subparsers)` registering itself with a `fn(args) -> int`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import voicegraph.commands


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command module's subcommand."""
    parser = argparse.ArgumentParser(prog="voicegraph", description="Real-time voice agents as graphs.")
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(voicegraph.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"voicegraph.commands.{info.name}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `voicegraph` command."""
    args = build_parser().parse_args(argv)
    result: int = args.fn(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
