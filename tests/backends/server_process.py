"""`voicegraph serve` in a subprocess: write a config, start, read its JSON events, signal it."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def serve_config(
    tmp: Path, *, store_url: str = "", reply_delay_s: float = 0.0, **extra: Any
) -> dict[str, Any]:
    """A WebSocket backend config serving the echo agent on a free loopback port."""
    config: dict[str, Any] = {
        "backend": {"provider": "websocket", "options": {"host": "127.0.0.1", "port": 0}},
        "graph": {
            "name": "echo",
            "nodes": [{"id": "agent", "type": "echo_agent", "params": {"reply_delay_s": reply_delay_s}}],
        },
        "persistence": {"url": store_url or f"sqlite:///{tmp / 'sessions.db'}"},
        "health": {"port": 0},
        "limits": {"shutdown_timeout_s": 10},
    }
    config.update(extra)
    return config


class ServerProcess:
    """One `voicegraph serve` process (or a parent of workers)."""

    def __init__(
        self,
        config: dict[str, Any],
        tmp: Path,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
    ):
        path = tmp / "serve.yaml"
        path.write_text(yaml.safe_dump(config))
        cmd = [sys.executable, "-m", "voicegraph.cli", "serve", str(path), "--workers", str(workers)]
        cmd += extra_args or []
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, cwd=tmp
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.stderr: list[str] = []
        self._threads = [
            threading.Thread(target=self._read_out, daemon=True),
            threading.Thread(target=self._read_err, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                continue

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode(errors="replace"))

    def event(self, name: str, timeout: float = 20.0) -> dict[str, Any]:
        """The next event called `name` (skipping others)."""
        while True:
            try:
                ev = self.events.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {name!r} event; stderr:\n{''.join(self.stderr[-30:])}") from None
            if ev.get("event") == name:
                return ev

    def ready(self, timeout: float = 20.0) -> dict[str, Any]:
        """The ready event: pid, transport url, health url, recovered sessions."""
        return self.event("ready", timeout)

    async def next_event(self, name: str, timeout: float = 20.0) -> dict[str, Any]:
        """`event` without blocking the event loop (clients in this process keep running)."""
        return await asyncio.to_thread(self.event, name, timeout)

    async def exit_code(self, timeout: float = 30.0) -> int:
        """`wait` without blocking the event loop."""
        return await asyncio.to_thread(self.wait, timeout)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        os.kill(self.proc.pid, sig)

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def wait(self, timeout: float = 30.0) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        """Make sure the process is gone (test teardown)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for t in self._threads:
            t.join(timeout=5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
