"""`voicegraph providers`: the backend providers with their capabilities, and the registry."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

FLAGS = ("speech_to_speech", "multi_user", "persistence", "custom_auth", "custom_rate_limiting")


def _describe(entry: dict[str, Any]) -> str:
    if entry["status"] != "ok":
        return f"unavailable: {entry.get('error', entry['status'])}"
    caps = entry.get("capabilities", {})
    on = ", ".join(flag for flag in FLAGS if caps.get(flag))
    return f"{on}; codecs {'/'.join(caps.get('codecs', []))}"


def _run(args: argparse.Namespace) -> int:
    from voicegraph.backends.providers import register_builtin
    from voicegraph.commands.doctor import check_kind
    from voicegraph.framework.registry import GROUPS, registry

    register_builtin()
    backends = check_kind("backends", deep=False)
    if args.json:
        others = {kind: registry.names(kind) for kind in GROUPS if kind != "backends"}
        print(json.dumps({"backends": backends, **others}, indent=2))
        return 0
    print("backends:")
    for name, entry in backends.items():
        print(f"  {name:<10} {_describe(entry)}")
    for kind in GROUPS:
        if kind != "backends":
            print(f"{kind}: {', '.join(registry.names(kind)) or '-'}")
    return 0


def add_parser(sub: Any) -> None:
    """Register `providers`."""
    cmd = sub.add_parser("providers", help="backend providers with capabilities; processors, transports")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.set_defaults(fn=_run)
