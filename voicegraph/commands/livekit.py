"""`voicegraph livekit`: client tokens, rooms and health of a LiveKit server (Cloud or self-hosted).

The server and credentials come from LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET,
or from `--url`, `--api-key`, `--api-secret`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

    from voicegraph.transports.livekit import LiveKitConfig


def _config(args: argparse.Namespace) -> LiveKitConfig:
    from voicegraph.transports.livekit import LiveKitConfig

    given = {"url": args.url, "api_key": args.api_key, "api_secret": args.api_secret}
    return LiveKitConfig.from_env(**{k: v for k, v in given.items() if v})


async def _token(args: argparse.Namespace) -> None:
    from voicegraph.transports.livekit import TokenIssuer

    issuer = TokenIssuer(_config(args))
    print(await issuer.client_token(args.identity, args.room, name=args.name or "", ttl_s=args.ttl))


async def _rooms(args: argparse.Namespace) -> None:
    from voicegraph.transports.livekit import RoomAdmin

    async with RoomAdmin(_config(args)) as admin:
        for room in await admin.list_rooms():
            print(f"{room.name}\t{room.num_participants} participants\t{room.sid}")


async def _health(args: argparse.Namespace) -> int:
    from voicegraph.transports.livekit import LiveKitTransport

    transport = LiveKitTransport(_config(args), session_runner=_no_sessions)
    report = await transport.health()
    await transport.stop()
    print(json.dumps(report.as_dict(), indent=2))
    return 0 if report.healthy else 1


async def _no_sessions(_: Any) -> None:
    """The health command joins no room, so it runs no session."""


def _run(args: argparse.Namespace) -> int:
    from voicegraph.framework.errors import VoiceError

    try:
        if args.action == "token":
            asyncio.run(_token(args))
        elif args.action == "rooms":
            asyncio.run(_rooms(args))
        else:
            return asyncio.run(_health(args))
    except VoiceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def add_parser(sub: Any) -> None:
    """Register `livekit` (token, rooms, health)."""
    parser = sub.add_parser("livekit", help="LiveKit: client tokens, rooms, server health")
    for flag in ("--url", "--api-key", "--api-secret"):
        parser.add_argument(flag, help=f"overrides LIVEKIT_{flag[2:].upper().replace('-', '_')}")
    actions = parser.add_subparsers(dest="action", required=True)
    token = actions.add_parser("token", help="print a join token for a user")
    token.add_argument("--room", required=True)
    token.add_argument("--identity", required=True)
    token.add_argument("--name")
    token.add_argument("--ttl", type=int, help="lifetime in seconds (default 6 h)")
    actions.add_parser("rooms", help="list the server's rooms")
    actions.add_parser("health", help="probe the server (exit 0 when healthy)")
    parser.set_defaults(fn=_run)
