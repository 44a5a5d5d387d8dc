"""Run a real livekit-server (``--dev``) for tests, its media kept off the machine's network.

Not a test module: a helper used by ``tests/conftest_livekit.py``, by tests that drive
the server directly (restart for reconnect tests, ...) and by the LiveKit benchmark.

The WebRTC stack inside the LiveKit SDK (libwebrtc) never offers loopback ICE
candidates, so on a plain host the media would flow to and from the machine's eth0
address. Where we may (root and ``ip``), the server therefore runs in a network
namespace of our own (:class:`PrivateNetns`): ``lo`` plus a veth pair holding one
address of our own test host (``198.18.0.1``, the benchmarking range). Signalling, Twirp
and the health check use ``127.0.0.1`` inside that namespace; media uses the veth
address. The test's thread joins the namespace (``with server.network():``) before it
first touches the SDK, so the SDK's native threads, which inherit the namespace of the
thread that creates them, live there too. ``VOICEGRAPH_LIVEKIT_NETNS=0`` turns the
namespace off (plain loopback, media on eth0); ``=1`` makes it mandatory.

Keys are the ``--dev`` defaults: ``devkey`` / ``secret``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = REPO_ROOT / "scripts" / "livekit_server.sh"

DEV_API_KEY = "devkey"
DEV_API_SECRET = "secret"
LOOPBACK = "127.0.0.1"
TEST_HOST = "198.18.0.1"
"""The address of our own test host inside the namespace (RFC 2544 benchmarking range)."""

_CLONE_NEWNET = 0x40000000
_NETNS_DIR = Path("/run/netns")


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
    cache = Path(os.environ.get("VOICEGRAPH_CACHE", Path.home() / ".cache" / "voicegraph"))
    if shutil.which("go") is None and not any((cache / "livekit").glob("*/server")):
        raise LiveKitServerError("no LIVEKIT_SERVER_BIN, no cached build and no go toolchain")
    proc = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise LiveKitServerError(f"{BUILD_SCRIPT} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    path = lines[-1].strip()
    if not os.access(path, os.X_OK):
        raise LiveKitServerError(f"{BUILD_SCRIPT} printed {path!r}, which is not executable")
    return path


class PrivateNetns:
    """A network namespace we create: ``lo`` up, and a veth pair with ``address`` on ``vg0``.

    Named ``vg-lk-<pid>-<n>``, so concurrent test runs never share one; namespaces left
    behind by dead processes are removed on the next ``create``.
    """

    _count = 0

    def __init__(self, address: str = TEST_HOST) -> None:
        PrivateNetns._count += 1
        self.name = f"vg-lk-{os.getpid()}-{PrivateNetns._count}"
        self.address = address
        self._libc = ctypes.CDLL(None, use_errno=True)

    @staticmethod
    def mode() -> str:
        """``auto`` (default), ``off`` or ``required``, from ``VOICEGRAPH_LIVEKIT_NETNS``."""
        value = os.environ.get("VOICEGRAPH_LIVEKIT_NETNS", "auto").strip().lower()
        return {"0": "off", "false": "off", "off": "off", "1": "required", "required": "required"}.get(
            value, "auto"
        )

    @classmethod
    def create_if_possible(cls) -> PrivateNetns | None:
        """A new namespace, or None when turned off or not permitted (``required``: raise)."""
        mode = cls.mode()
        if mode == "off":
            return None
        ns = cls()
        try:
            ns.create()
        except (OSError, subprocess.CalledProcessError) as exc:
            if mode == "required":
                raise LiveKitServerError(f"cannot create a network namespace: {exc}") from exc
            return None
        return ns

    def create(self) -> None:
        """Create the namespace and its links (needs CAP_SYS_ADMIN and iproute2)."""
        if os.geteuid() != 0 or shutil.which("ip") is None:
            raise OSError("creating a network namespace needs root and iproute2")
        self._remove_stale()
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True)
        try:
            for cmd in (
                "link set lo up",
                "link add vg0 type veth peer name vg1",
                f"addr add {self.address}/24 dev vg0",
                "link set vg0 up",
                "link set vg1 up",
            ):
                subprocess.run(["ip", "-n", self.name, *cmd.split()], check=True, capture_output=True)
        except BaseException:
            self.delete()
            raise

    def delete(self) -> None:
        """Remove the namespace (its links go with it)."""
        subprocess.run(["ip", "netns", "del", self.name], check=False, capture_output=True)

    def wrap(self, command: list[str]) -> list[str]:
        """`command` run inside the namespace (``ip netns exec`` execs it: same pid)."""
        return ["ip", "netns", "exec", self.name, *command]

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """Move the calling thread into the namespace; threads it starts inherit it."""
        back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(_NETNS_DIR / self.name, os.O_RDONLY)
        try:
            self._setns(target)
            try:
                yield
            finally:
                self._setns(back)
        finally:
            os.close(target)
            os.close(back)

    def _setns(self, fd: int) -> None:
        if self._libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({self.name}): {os.strerror(err)}")

    @staticmethod
    def _remove_stale() -> None:
        for path in _NETNS_DIR.glob("vg-lk-*") if _NETNS_DIR.is_dir() else ():
            pid = path.name.split("-")[2]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                subprocess.run(["ip", "netns", "del", path.name], check=False, capture_output=True)


def _free_port(kind: int, host: str) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        if kind == socket.SOCK_STREAM:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def free_ports() -> tuple[int, int, int]:
    """Distinct free ports in the calling thread's namespace: HTTP, RTC TCP, RTC UDP."""
    seen: set[int] = set()
    ports: list[int] = []
    # The RTC TCP listener binds all interfaces (":port"), so probe it on "".
    for kind, host in ((socket.SOCK_STREAM, LOOPBACK), (socket.SOCK_STREAM, ""), (socket.SOCK_DGRAM, "")):
        p = _free_port(kind, host)
        for _ in range(20):
            if p not in seen:
                break
            p = _free_port(kind, host)
        seen.add(p)
        ports.append(p)
    return ports[0], ports[1], ports[2]


def server_config_yaml(
    http_port: int, rtc_tcp_port: int, rtc_udp_port: int, *, media_ip: str, log_level: str, extra: str = ""
) -> str:
    """Config body for ``--config-body`` (strict config: unknown keys are errors).

    ``stun_servers`` points at the server's own UDP port, so no client is ever sent to
    public STUN servers; only ``media_ip`` is offered as an ICE candidate.
    """
    return f"""\
port: {http_port}
bind_addresses:
  - {LOOPBACK}
rtc:
  tcp_port: {rtc_tcp_port}
  udp_port: {rtc_udp_port}
  use_external_ip: false
  node_ip: {media_ip}
  enable_loopback_candidate: {"true" if media_ip == LOOPBACK else "false"}
  ips:
    includes:
      - {media_ip}/32
  stun_servers:
    - {media_ip}:{rtc_udp_port}
logging:
  level: {log_level}
{extra}"""


@dataclass
class LiveKitServer:
    """A livekit-server process, in `netns` when given (else on plain loopback)."""

    binary: str
    netns: PrivateNetns | None = None
    extra_config: str = ""
    """More top-level YAML, e.g. ``room:\\n  auto_create: false\\n``."""
    http_port: int = 0
    rtc_tcp_port: int = 0
    rtc_udp_port: int = 0
    log_level: str = field(default_factory=lambda: os.environ.get("LIVEKIT_SERVER_LOG_LEVEL", "info"))
    log_path: Path | None = None
    api_key: str = DEV_API_KEY
    api_secret: str = DEV_API_SECRET
    last_start_seconds: float | None = None
    """Seconds from spawn to healthy, for the last start()."""
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not (self.http_port and self.rtc_tcp_port and self.rtc_udp_port):
            with self.network():
                h, t, u = free_ports()
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
        """HTTP URL of the same port (health check, Twirp)."""
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def media_ip(self) -> str:
        """The address media flows on: our test host in the namespace, else loopback."""
        return self.netns.address if self.netns is not None else LOOPBACK

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def network(self) -> contextlib.AbstractContextManager[None]:
        """Context in which the calling thread reaches the server (joins its namespace)."""
        return self.netns.entered() if self.netns is not None else contextlib.nullcontext()

    def command(self) -> list[str]:
        yaml = server_config_yaml(
            self.http_port, self.rtc_tcp_port, self.rtc_udp_port,
            media_ip=self.media_ip, log_level=self.log_level, extra=self.extra_config,
        )  # fmt: skip
        cmd = [self.binary, "--dev", "--bind", LOOPBACK, "--node-ip", self.media_ip, "--config-body", yaml]
        return self.netns.wrap(cmd) if self.netns is not None else cmd

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
                with self.network(), urllib.request.urlopen(self.http_url + "/", timeout=1.0) as resp:
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
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._proc.pid, signal.SIGKILL)
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
            self._log_file.close()
            self._log_file = None
        return code

    def log_tail(self, n_bytes: int = 4000) -> str:
        try:
            data = Path(str(self.log_path)).read_bytes()
        except OSError:
            return ""
        return data[-n_bytes:].decode("utf-8", "replace")

    def __enter__(self) -> LiveKitServer:
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
