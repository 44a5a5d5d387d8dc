"""`voicegraph serve CONFIG [--workers N]`: run a backend from a YAML config until SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

    from voicegraph.framework.config import ServeConfig


def _print(event: dict[str, Any]) -> None:
    print(json.dumps(event), flush=True)


async def serve(config: ServeConfig) -> int:
    """Run one backend process: start, announce readiness (one JSON line), wait for a signal."""
    from voicegraph.framework.shutdown import GracefulShutdown
    from voicegraph.graphs.backends.from_config import build_served

    served = build_served(config)
    await served.start()
    backend = served.backend
    shutdown = GracefulShutdown(lambda: served.stop(config.limits.shutdown_timeout_s), served.abort)
    shutdown.install()
    _print(
        {
            "event": "ready", "pid": os.getpid(), "ready_s": round(backend.ready_s or 0.0, 4),
            "transport": backend.transport.describe(), "provider": config.backend.provider,
            "health": served.health.url if served.health is not None else None,
            "recovered": sorted(backend.manager.recovered),
        }
    )  # fmt: skip
    await shutdown.wait()
    _print({"event": "stopped", "pid": os.getpid(), "forced": shutdown.forced})
    return 0


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind((host, 0))
        return int(s.getsockname()[1])


def run_workers(args: argparse.Namespace, config: ServeConfig) -> int:
    """Start N worker processes sharing one port (SO_REUSEPORT); forward signals to them."""
    host = str(config.backend.options.get("host", "127.0.0.1"))
    port = int(config.backend.options.get("port", 0)) or _free_port(host)
    health_port = config.health.port or _free_port(config.health.host)
    env = {
        **os.environ, "VOICEGRAPH_BACKEND__OPTIONS__PORT": str(port),
        "VOICEGRAPH_BACKEND__OPTIONS__REUSE_PORT": "true", "VOICEGRAPH_HEALTH__PORT": str(health_port),
    }  # fmt: skip
    cmd = [sys.executable, "-m", "voicegraph.cli", "serve", args.config, "--workers", "1"]
    procs = [subprocess.Popen(cmd, env=env) for _ in range(args.workers)]

    def forward(sig: int, _frame: Any) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(sig)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [p.wait() for p in procs]
    return max(codes, default=0)


def _run(args: argparse.Namespace) -> int:
    from voicegraph.framework.config import load_config
    from voicegraph.framework.errors import VoiceError
    from voicegraph.graphs.backends import register_builtin

    register_builtin()
    try:
        config = load_config(args.config)
        if args.workers > 1:
            return run_workers(args, config)
        return asyncio.run(serve(config))
    except VoiceError as err:
        print(f"voicegraph serve: {err}", file=sys.stderr)
        return 2


def add_parser(sub: Any) -> None:
    """Register `serve`."""
    p = sub.add_parser("serve", help="serve a graph over a transport from a YAML config")
    p.add_argument("config", help="YAML config file (see voicegraph.framework.config.ServeConfig)")
    p.add_argument("--workers", type=int, default=1, help="worker processes sharing the port")
    p.set_defaults(fn=_run)
