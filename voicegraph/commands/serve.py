"""`voicegraph serve CONFIG [--workers N] [--check] [--log-level L]`: run a backend from a YAML
config until SIGTERM (see docs/serving.md)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from typing import TYPE_CHECKING, Any

from voicegraph.backends.serve_events import print_event
from voicegraph.backends.serve_processes import run_children
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    import argparse

    from voicegraph.backends.config import ServeConfig
    from voicegraph.backends.from_config import Served
    from voicegraph.backends.preload import EnginePreload
    from voicegraph.backends.serve_monitor import ServeMonitor
    from voicegraph.framework.graph import Graph


_T0 = time.monotonic()  # process start, near enough: the CLI imports this module first


def _fail(err: VoiceError) -> int:
    """One `voicegraph serve: [code] problem` line per mistake on stderr; exit status 2."""
    from voicegraph.backends.graph_check import problem_lines

    for line in problem_lines(err):
        print(f"voicegraph serve: {line}", file=sys.stderr, flush=True)
    return 2


async def serve(config: ServeConfig, *, check: bool = False) -> int:
    """Run one backend process: check, listen, preload, announce readiness, wait for a signal.

    Prints JSON lines on stdout: `listening` once the port is bound (clients may connect;
    their sessions wait for the engines, their audio kept), `ready` once the engines are
    loaded, `stopped` at the end. With `check`, stops after the checks (exit 0, or 2).
    """
    from voicegraph.backends.from_config import build_served
    from voicegraph.backends.graph_check import dry_run_graph
    from voicegraph.backends.served_requirements import check_installed
    from voicegraph.framework.errors import VoiceError

    try:
        check_installed(config)
        served = build_served(config)
        graph = dry_run_graph(served.backend.manager.factory, config.backend.provider)
    except VoiceError as err:
        return _fail(err)
    if check:
        print_event({"event": "checked", "ok": True, "graph": graph.name, "nodes": sorted(graph.processors)})
        return 0
    return await _serve(config, served, graph)


async def _serve(config: ServeConfig, served: Served, graph: Graph) -> int:
    from voicegraph.backends.fallback_health import fallback_chains
    from voicegraph.backends.preload import EnginePreload
    from voicegraph.backends.serve_log import SessionLog
    from voicegraph.backends.serve_monitor import ServeMonitor
    from voicegraph.framework.errors import VoiceError

    backend = served.backend
    monitor = ServeMonitor(backend.manager, config.health.degraded)
    backend.health_checks += [monitor.engines, monitor.load, fallback_chains]
    backend.manager.listeners.append(SessionLog())
    preload = EnginePreload(timeout_s=config.limits.preload_timeout_s)
    if config.engines.preload:
        backend.manager.engines_ready.clear()
    async with asyncio.TaskGroup() as tg:
        probe = tg.create_task(monitor.run(), name="serve:monitor")
        try:
            code = await _run_server(config, served, graph, monitor, preload)
        except VoiceError as err:
            code = _fail(err)
        finally:
            probe.cancel()
            await preload.close()
    return code


async def _run_server(
    config: ServeConfig, served: Served, graph: Graph, monitor: ServeMonitor, preload: EnginePreload
) -> int:
    from voicegraph.backends.shutdown import GracefulShutdown

    backend = served.backend
    t_listen = time.monotonic()
    await served.start()
    stopping = asyncio.Event()

    async def stop() -> None:
        stopping.set()
        await served.stop(config.limits.shutdown_timeout_s)

    async def force() -> None:
        stopping.set()
        await served.abort()

    shutdown = GracefulShutdown(stop, force)
    shutdown.install()
    listen_s = time.monotonic() - t_listen
    health_url = served.health.url if served.health is not None else None
    print_event({"event": "listening", "pid": os.getpid(), "listen_s": round(listen_s, 4),
            "transport": backend.transport.describe(), "health": health_url})  # fmt: skip
    if config.engines.preload:  # progress: loading the models takes seconds, say so first
        print_event({"event": "loading", "pid": os.getpid(), "what": "engines", "warm": config.engines.warm})
    t_preload = time.monotonic()
    spent = await _preload(config, graph, preload, stopping)
    if spent is None:  # stopped while loading
        await shutdown.wait()
        print_event({"event": "stopped", "pid": os.getpid(), "forced": shutdown.forced})
        return 0
    preload_s = time.monotonic() - t_preload
    from voicegraph.backends.gc_policy import apply_gc_policy

    gc_done = apply_gc_policy(config.gc)  # engines loaded, no session yet: freeze the start-up heap
    monitor.ready(round(preload_s, 3), spent)
    backend.manager.engines_ready.set()
    print_event(
        {
            "event": "ready", "pid": os.getpid(), "ready_s": round(time.monotonic() - _T0, 4),
            "preload_s": round(preload_s, 4), "listen_s": round(listen_s, 4),
            "engines_ms": {k: round(v, 1) for k, v in spent.items()},
            "transport": backend.transport.describe(), "provider": config.backend.provider,
            "health": health_url, "recovered": sorted(backend.manager.recovered), "gc": gc_done,
        }
    )  # fmt: skip
    await shutdown.wait()
    print_event({"event": "stopped", "pid": os.getpid(), "forced": shutdown.forced})
    return 0


async def _preload(
    config: ServeConfig, graph: Graph, preload: EnginePreload, stopping: asyncio.Event
) -> dict[str, float] | None:
    """The engines' load times (ms per node), or None when a stop signal came first.

    Raises:
        VoiceError: (timeout) over `limits.preload_timeout_s`; an engine's error.
    """
    if not config.engines.preload:
        return {}
    limit = config.limits.preload_timeout_s
    outcome: list[dict[str, float] | BaseException] = []

    async def load() -> None:
        try:
            async with asyncio.timeout(limit):
                outcome.append(await preload.load(graph, warm=config.engines.warm))
        except TimeoutError:
            msg = f"engines did not load in {limit}s (limits.preload_timeout_s)"
            outcome.append(VoiceError(ErrorCode.TIMEOUT, msg))
        except Exception as exc:
            outcome.append(exc)

    async def watch(loading: asyncio.Task[None]) -> None:
        await stopping.wait()
        loading.cancel()

    async with asyncio.TaskGroup() as tg:
        loading = tg.create_task(load(), name="serve:preload")
        watching = tg.create_task(watch(loading), name="serve:preload-watch")
        loading.add_done_callback(lambda _: watching.cancel())
    if not outcome:
        return None
    result = outcome[0]
    if isinstance(result, VoiceError):
        raise result
    if isinstance(result, BaseException):
        raise VoiceError(
            ErrorCode.PIPELINE_ERROR, f"engine preload failed: {type(result).__name__}: {result}"
        )
    return result


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
    return run_children(cmd, args.workers, env)


def _run(args: argparse.Namespace) -> int:
    from voicegraph.backends.config import load_config
    from voicegraph.backends.providers import register_builtin
    from voicegraph.backends.serve_log import setup_logging
    from voicegraph.framework.errors import VoiceError

    setup_logging(args.log_level or "info")
    register_builtin()
    try:
        config = load_config(args.config)
    except VoiceError as err:
        return _fail(err)
    setup_logging(args.log_level or config.logging.level, tracebacks=config.logging.tracebacks)
    if args.workers > 1 and not args.check:
        return run_workers(args, config)
    try:
        return asyncio.run(serve(config, check=args.check))
    except VoiceError as err:  # e.g. the port is taken
        return _fail(err)
    except OSError as exc:
        return _fail(VoiceError(ErrorCode.CONNECTION_FAILED, f"cannot listen: {exc.strerror or exc}"))


def add_parser(sub: Any) -> None:
    """Register `serve`."""
    p = sub.add_parser("serve", help="serve a graph over a transport from a YAML config")
    p.add_argument("config", help="YAML config file (see voicegraph.backends.config.ServeConfig)")
    p.add_argument("--workers", type=int, default=1, help="worker processes sharing the port")
    p.add_argument(
        "--check", action="store_true", help="check the config and build the graph once; exit 0 or 2"
    )
    p.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        help="overrides logging.level of the config",
    )
    p.set_defaults(fn=_run)
