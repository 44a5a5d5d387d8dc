"""Run a real livekit-server (``--dev``) on loopback for tests.

Not a test module: a helper used by ``tests/conftest_livekit.py`` and by tests
that need to drive the server directly (restart for reconnect tests, ...).

Everything is bound to 127.0.0.1 on free ports:

* HTTP/WebSocket port (signalling ``/rtc``, Twirp ``/twirp/...``, health ``GET /``),
* RTC ICE/TCP port,
* RTC ICE/UDP port (single-port UDP mux).

WebRTC stays on loopback: the server's node IP is 127.0.0.1, loopback ICE
candidates are enabled and the candidate IP filter only admits 127.0.0.1/32.
The server hands its ICE servers to clients in the join response and would
otherwise fall back to public STUN servers; ``stun_servers`` points at the
server's own loopback UDP port instead, so no client ever tries to reach out.

Keys are the ``--dev`` defaults: ``devkey`` / ``secret``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = REPO_ROOT / "scripts" / "livekit_server.sh"

DEV_API_KEY = "devkey"
DEV_API_SECRET = "secret"
LOOPBACK = "127.0.0.1"


class LiveKitServerError(RuntimeError):
    """The server binary could not be found/built, or did not become healthy."""


def find_or_build_binary(timeout: float = 3600.0) -> str:
    """Return the path of a livekit-server binary.

    ``LIVEKIT_SERVER_BIN`` wins; otherwise ``scripts/livekit_server.sh`` is run,
    which builds the pinned version once into a persistent cache (slow the first
    time: several minutes on 2 cores) and prints the binary path as its last line.
    """
    env_bin = os.environ.get("LIVEKIT_SERVER_BIN")
    if env_bin:
        if not os.access(env_bin, os.X_OK):
            raise LiveKitServerError(f"LIVEKIT_SERVER_BIN={env_bin!r} is not executable")
        return env_bin
    if shutil.which("go") is None and not _cached_binary_exists():
        raise LiveKitServerError("no LIVEKIT_SERVER_BIN, no cached build and no go toolchain")
    proc = subprocess.run(
        ["bash", str(BUILD_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise LiveKitServerError(f"{BUILD_SCRIPT} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    path = lines[-1].strip()
    if not os.access(path, os.X_OK):
        raise LiveKitServerError(f"{BUILD_SCRIPT} printed {path!r}, which is not executable")
    return path


def _cached_binary_exists() -> bool:
    cache = Path(os.environ.get("VOICEGRAPH_CACHE", Path.home() / ".cache" / "voicegraph"))
    return any((cache / "livekit").glob("*/server"))


def _free_port(kind: int, host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        if kind == socket.SOCK_STREAM:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def _free_ports() -> tuple[int, int, int]:
    """Distinct free ports: HTTP (tcp), RTC TCP, RTC UDP."""
    seen: set[int] = set()
    ports: list[int] = []
    # The RTC TCP listener binds all interfaces (":port"), so probe it on "".
    for kind, host in (
        (socket.SOCK_STREAM, LOOPBACK),
        (socket.SOCK_STREAM, ""),
        (socket.SOCK_DGRAM, LOOPBACK),
    ):
        for _ in range(20):
            p = _free_port(kind, host)
            if p not in seen:
                break
        seen.add(p)
        ports.append(p)
    return ports[0], ports[1], ports[2]


def server_config_yaml(http_port: int, rtc_tcp_port: int, rtc_udp_port: int, log_level: str = "info") -> str:
    """Config body for ``--config-body`` (strict config: unknown keys are errors)."""
    return f"""\
port: {http_port}
bind_addresses:
  - {LOOPBACK}
rtc:
  tcp_port: {rtc_tcp_port}
  udp_port: {rtc_udp_port}
  use_external_ip: false
  node_ip: {LOOPBACK}
  enable_loopback_candidate: true
  ips:
    includes:
      - {LOOPBACK}/32
  stun_servers:
    - {LOOPBACK}:{rtc_udp_port}
logging:
  level: {log_level}
"""


@dataclass
class LiveKitServer:
    """A livekit-server process on loopback. Not started until :meth:`start`."""

    binary: str
    http_port: int = 0
    rtc_tcp_port: int = 0
    rtc_udp_port: int = 0
    log_level: str = field(default_factory=lambda: os.environ.get("LIVEKIT_SERVER_LOG_LEVEL", "info"))
    log_path: Path | None = None
    api_key: str = DEV_API_KEY
    api_secret: str = DEV_API_SECRET
    # seconds from spawn to healthy, for the last start()
    last_start_seconds: float | None = None
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log_file: object | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not (self.http_port and self.rtc_tcp_port and self.rtc_udp_port):
            h, t, u = _free_ports()
            self.http_port = self.http_port or h
            self.rtc_tcp_port = self.rtc_tcp_port or t
            self.rtc_udp_port = self.rtc_udp_port or u
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="livekit-server-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)

    # --- addresses ---------------------------------------------------------
    @property
    def url(self) -> str:
        """WebSocket URL for the rtc SDK (``rtc.Room.connect``) and livekit-api."""
        return f"ws://{LOOPBACK}:{self.http_port}"

    @property
    def http_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        return [
            self.binary,
            "--dev",
            "--bind",
            LOOPBACK,
            "--node-ip",
            LOOPBACK,
            "--config-body",
            server_config_yaml(self.http_port, self.rtc_tcp_port, self.rtc_udp_port, self.log_level),
        ]

    # --- lifecycle ---------------------------------------------------------
    def start(self, timeout: float = 30.0) -> LiveKitServer:
        if self.running:
            raise LiveKitServerError(f"already running (pid {self.pid})")
        assert self.log_path is not None
        self._log_file = open(self.log_path, "ab")
        t0 = time.monotonic()
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # keep terminal signals (Ctrl-C) away from it
        )
        try:
            self.wait_healthy(timeout)
        except BaseException:
            self.kill()
            raise
        self.last_start_seconds = time.monotonic() - t0
        return self

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Poll ``GET /`` until it answers 200, the process exits, or the deadline."""
        deadline = time.monotonic() + timeout
        last_err: object = None
        while True:
            if self._proc is None or self._proc.poll() is not None:
                code = None if self._proc is None else self._proc.returncode
                raise LiveKitServerError(
                    f"livekit-server exited with {code} before becoming healthy\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.http_url + "/", timeout=1.0) as resp:
                    if resp.status == 200:
                        return
                    last_err = f"HTTP {resp.status}"
            except (urllib.error.URLError, OSError) as e:
                last_err = e
            if time.monotonic() >= deadline:
                raise LiveKitServerError(
                    f"livekit-server not healthy after {timeout}s ({last_err})\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0, grace: float = 1.0) -> int | None:
        """SIGTERM by pid, SIGKILL after ``timeout``; returns the exit code.

        livekit-server's first SIGTERM starts a graceful drain that, in 1.13.5,
        does not finish even with no participants (observed > 30 s); a second
        SIGTERM forces the shutdown and it exits at once. So: SIGTERM, wait
        ``grace`` s, SIGTERM again, wait until ``timeout``, then SIGKILL.
        """
        if self._proc is None:
            return None
        deadline = time.monotonic() + timeout
        for wait_s in (min(grace, timeout), None):
            if self._proc.poll() is not None:
                break
            try:
                os.kill(self._proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                break
            try:
                self._proc.wait(wait_s if wait_s is not None else max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                continue
        if self._proc.poll() is None:
            return self.kill()
        return self._reap()

    def kill(self) -> int | None:
        """SIGKILL by pid (simulates a crash) and reap."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            try:
                os.kill(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.wait(10)
        return self._reap()

    def restart(self, timeout: float = 30.0, down_for: float = 0.0) -> LiveKitServer:
        """kill -9, optionally stay down ``down_for`` seconds, start again on the same ports."""
        self.kill()
        if down_for > 0:
            time.sleep(down_for)
        return self.start(timeout)

    def _reap(self) -> int | None:
        code = self._proc.returncode if self._proc is not None else None
        self._proc = None
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None
        return code

    def log_tail(self, n_bytes: int = 4000) -> str:
        try:
            data = Path(self.log_path).read_bytes()  # type: ignore[arg-type]
        except OSError:
            return ""
        return data[-n_bytes:].decode("utf-8", "replace")

    def __enter__(self) -> LiveKitServer:
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
