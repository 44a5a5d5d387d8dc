"""`voicegraph serve CONFIG` as a user starts it: a fresh subprocess, its JSON events, its stderr.

    with ServeProcess(config_file, tmp_path, port=free_port()) as server:
        server.wait_accepting(30)         # the transport port takes connections
        ready = server.ready(60)          # the `ready` event (the server says it is ready)

Nothing warms the server up: the first client is the first thing it serves. The
process is started in the test's temp directory (its session database lands there),
stopped by pid (SIGTERM, then SIGKILL after a grace), and its stderr is kept so every
failure message can show what the server said (`tail`).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = Path(__file__).with_name("configs")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (in the calling thread's network namespace)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def config_path(name: str) -> Path:
    """A config file shipped with these tests (`configs/<name>.yaml`)."""
    return CONFIGS / f"{name}.yaml"


class ServeProcess:
    """One `voicegraph serve` process, started cold from a config file.

    Args:
        config: the YAML config file (unchanged; overrides go through `env`).
        workdir: the process's working directory.
        port: the transport port, set with `VOICEGRAPH_BACKEND__OPTIONS__PORT` (0: the config's).
        env: more environment variables (config overrides, engine settings).
        wrap: a command prefix (e.g. `ip netns exec NAME`); it must exec, keeping the pid.
    """

    def __init__(
        self,
        config: Path,
        workdir: Path,
        *,
        port: int = 0,
        env: dict[str, str] | None = None,
        wrap: list[str] | None = None,
    ) -> None:
        self.config, self.workdir, self.port = config, workdir, port
        self._env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
        if port:
            self._env["VOICEGRAPH_BACKEND__OPTIONS__PORT"] = str(port)
        self._cmd = [*(wrap or []), sys.executable, "-m", "voicegraph.cli", "serve", str(config)]
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        """`time.monotonic()` when the process was spawned."""
        self.events: list[tuple[float, dict[str, Any]]] = []
        """Every JSON line of stdout, with seconds since spawn."""
        self.stderr: list[str] = []
        self.signals_sent: list[str] = []
        """The signals `stop` had to send (more than one SIGTERM: the graceful stop hung)."""
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._threads: list[threading.Thread] = []

    def start(self) -> ServeProcess:
        """Spawn the process; its output is read by two threads from now on."""
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self._cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self._env, cwd=self.workdir
        )
        self._threads = [
            threading.Thread(target=self._read_out, daemon=True),
            threading.Thread(target=self._read_err, daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def sigterm_timed(self, out: dict[str, Any], *, after_s: float = 1.0) -> None:
        """SIGTERM by pid `after_s` after a hang-up (it reaches the server first), as a
        supervisor does; sets `out["exit_code"]` (None: still running after 10 s) and
        `out["exit_s"]`, how long the exit took."""
        time.sleep(after_s)
        t0 = time.monotonic()
        os.kill(self.pid, signal.SIGTERM)
        assert self.proc is not None
        try:
            out["exit_code"] = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            out["exit_code"] = None
        out["exit_s"] = round(time.monotonic() - t0, 2)

    def _read_out(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").strip()
            try:
                event = json.loads(line)
            except ValueError:
                self.stderr.append(f"[stdout] {line}\n")
                continue
            if isinstance(event, dict):
                self.events.append((time.monotonic() - self.started_at, event))
                self._queue.put(event)

    def _read_err(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.stderr.append(raw.decode(errors="replace"))

    def tail(self, lines: int = 40) -> str:
        """The server's last stderr lines and its events so far (for assertion messages)."""
        code = None if self.proc is None else self.proc.poll()
        events = [f"{t:.2f}s {e}" for t, e in self.events]
        return (
            f"--- voicegraph serve {self.config.name} (pid {self.proc.pid if self.proc else '-'},"
            f" exit {code}) events:\n"
            + "\n".join(events)
            + "\n--- stderr tail:\n"
            + "".join(self.stderr[-lines:])
        )

    def event(self, *names: str, timeout: float) -> dict[str, Any]:
        """The first event called one of `names` (earlier ones included; others skipped).

        Raises:
            AssertionError: none within `timeout`, or the process exited (with the stderr tail).
        """
        for _, ev in self.events:
            if ev.get("event") in names:
                return ev
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                ev = self._queue.get(timeout=min(left, 0.2))
            except queue.Empty:
                if self.proc is not None and self.proc.poll() is not None and self._queue.empty():
                    break
                continue
            if ev.get("event") in names:
                return ev
        raise AssertionError(f"no {'/'.join(names)} event within {timeout}s\n{self.tail()}")

    def ready(self, timeout: float = 60.0) -> dict[str, Any]:
        """The `ready` event: the server says it can take calls."""
        return self.event("ready", timeout=timeout)

    def url(self, timeout: float = 60.0) -> str:
        """The transport's URL, from the `listening` event (or `ready`, which has it too)."""
        ev = self.event("listening", "ready", timeout=timeout)
        transport = ev.get("transport")
        url = transport.get("url") if isinstance(transport, dict) else ev.get("url")
        assert isinstance(url, str) and url, f"no transport url in {ev}\n{self.tail()}"
        return url

    def wait_accepting(self, timeout: float = 30.0, host: str = "127.0.0.1") -> float:
        """Poll the transport port until it accepts a TCP connection; seconds since spawn.

        Raises:
            AssertionError: not accepting within `timeout`, or the process exited.
        """
        assert self.port, "wait_accepting needs a fixed port"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, f"serve exited\n{self.tail()}"
            with socket.socket() as s:
                s.settimeout(0.2)
                if s.connect_ex((host, self.port)) == 0:
                    return time.monotonic() - self.started_at
            time.sleep(0.01)
        raise AssertionError(f"port {self.port} not accepting within {timeout}s\n{self.tail()}")

    @property
    def exited_cleanly(self) -> bool:
        """Exit status 0 after at most one signal from `stop` (call after `stop`)."""
        return self.proc is not None and self.proc.returncode == 0 and len(self.signals_sent) <= 1

    def stop(self, grace: float = 5.0) -> int | None:
        """End the process by pid: SIGTERM (graceful), again after `grace` (forced), then
        SIGKILL; its exit code. How it went is noted in `stderr` (shown by `tail`)."""
        if self.proc is None:
            return None
        steps = ((signal.SIGTERM, grace), (signal.SIGTERM, 3.0), (signal.SIGKILL, 10.0))
        for attempt, (sig, wait_s) in enumerate(steps):
            if self.proc.poll() is not None:
                break
            if attempt:
                self.stderr.append(
                    f"[test] still running after SIGTERM: sending {sig.name} (attempt {attempt})\n"
                )
            self.signals_sent.append(sig.name)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=wait_s)
        for t in self._threads:
            t.join(timeout=5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        return self.proc.returncode
