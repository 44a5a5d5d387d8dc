"""`voicegraph worker CONFIG [--processes N] [--agent-name NAME]`: LiveKit agent workers
from a serve config (provider `livekit_worker`; see docs/scaling.md)."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TYPE_CHECKING, Any

from voicegraph.backends.serve_events import print_event
from voicegraph.backends.serve_processes import run_children
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    import argparse

    from voicegraph.backends.config import ServeConfig
    from voicegraph.backends.providers.livekit_worker import LiveKitWorker

_PROVIDERS = ("livekit_worker", "livekit")


def _fail(err: VoiceError) -> int:
    print(f"voicegraph worker: [{err.code}] {err.message}", file=sys.stderr, flush=True)
    return 2


def worker_config(config: ServeConfig, agent_name: str | None) -> ServeConfig:
    """`config` with provider `livekit_worker` (a `livekit` config loses its `rooms`).

    Raises:
        VoiceError: (invalid_config) the config names another provider.
    """
    backend = config.backend
    if backend.provider not in _PROVIDERS:
        msg = f"a worker needs backend.provider livekit_worker (or livekit), not {backend.provider!r}"
        raise VoiceError(ErrorCode.INVALID_CONFIG, msg)
    options = {k: v for k, v in backend.options.items() if k != "rooms"}
    if agent_name is not None:
        options["agent_name"] = agent_name
    new_backend = backend.model_copy(update={"provider": "livekit_worker", "options": options})
    return config.model_copy(update={"backend": new_backend})


async def run_worker(config: ServeConfig) -> int:
    """One worker process: register, take jobs until SIGTERM, then drain and exit.

    Prints JSON lines: `registered` (pid, worker id, agent name), `draining` at the first
    signal, `stopped` (drained: every call ended in time). A second signal stops at once.
    """
    from voicegraph.backends.from_config import build_served
    from voicegraph.backends.shutdown import GracefulShutdown

    served = build_served(config)
    worker: LiveKitWorker = served.backend.transport
    from voicegraph.backends.gc_policy import apply_gc_policy

    await served.start()
    gc_done = apply_gc_policy(config.gc)  # started, no job yet: freeze the start-up heap
    drained: list[bool] = []

    async def stop() -> None:
        print_event({"event": "draining", "pid": os.getpid(), "jobs": len(worker.jobs)})
        drained.append(await worker.drain())
        await served.stop(config.limits.shutdown_timeout_s)

    shutdown = GracefulShutdown(stop, served.abort)
    shutdown.install()
    health = served.health.url if served.health is not None else None
    print_event({"event": "registered", **worker.describe(), "health": health, "gc": gc_done})
    await shutdown.wait()
    print_event({"event": "stopped", "pid": os.getpid(), "drained": bool(drained and drained[0]),
            "jobs_done": len(worker.done), "forced": shutdown.forced})  # fmt: skip
    return 0


def run_processes(args: argparse.Namespace) -> int:
    """N worker processes (each its own registration); signals are forwarded to them."""
    cmd = [sys.executable, "-m", "voicegraph.cli", "worker", args.config, "--processes", "1"]
    if args.agent_name is not None:
        cmd += ["--agent-name", args.agent_name]
    if args.log_level:
        cmd += ["--log-level", args.log_level]
    return run_children(cmd, args.processes)


def _run(args: argparse.Namespace) -> int:
    from voicegraph.backends.config import load_config
    from voicegraph.backends.providers import register_builtin
    from voicegraph.backends.serve_log import setup_logging

    setup_logging(args.log_level or "info")
    if args.processes < 1:
        return _fail(VoiceError(ErrorCode.INVALID_CONFIG, "--processes must be 1 or more"))
    register_builtin()
    try:
        config = worker_config(load_config(args.config), args.agent_name)
    except VoiceError as err:
        return _fail(err)
    setup_logging(args.log_level or config.logging.level, tracebacks=config.logging.tracebacks)
    if args.processes > 1:
        return run_processes(args)
    try:
        return asyncio.run(run_worker(config))
    except VoiceError as err:
        return _fail(err)


def add_parser(sub: Any) -> None:
    """Register `worker`."""
    p = sub.add_parser("worker", help="run LiveKit agent workers (the server dispatches rooms to them)")
    p.add_argument("config", help="serve config with backend.provider livekit_worker (or livekit)")
    p.add_argument("--processes", type=int, default=1, help="worker processes on this machine")
    p.add_argument("--agent-name", default=None, help="register for explicit dispatch under this name")
    p.add_argument(
        "--log-level", choices=("debug", "info", "warning", "error"), help="overrides logging.level"
    )
    p.set_defaults(fn=_run)
