"""Worker processes (`voicegraph worker`), a redis-server and simulated users, for the worker
tests and benchmarks/scale.py. Everything runs in the test livekit-server's namespace."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from livekit import rtc

from tests.livekit_server import LiveKitServer
from tests.serving.question import question, silence
from tests.transports.livekit.sim_user import SimUser, wait_for
from voicegraph.backends.providers.livekit_worker.room_job import PID_ATTRIBUTE, WORKER_ATTRIBUTE
from voicegraph.transports.livekit import LiveKitConfig, TokenIssuer

ROOT = Path(__file__).resolve().parents[4]
CONFIG = Path(__file__).with_name("worker.yaml")
AGENT = "voicegraph-agent"
TOPIC = "lk.transcription"


def lk_config(server: LiveKitServer) -> LiveKitConfig:
    """The test server's URL and credentials."""
    return LiveKitConfig.create(url=server.url, api_key=server.api_key, api_secret=server.api_secret)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test or benchmark process dies (even by abort)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wrap(server: LiveKitServer, cmd: list[str]) -> list[str]:
    return server.netns.wrap(cmd) if server.netns is not None else cmd


class RedisProcess:
    """A redis-server on a free loopback port of the server's namespace (no persistence)."""

    def __init__(self, server: LiveKitServer) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed"
        with server.network(), socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            _wrap(server, cmd),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 10
        with server.network():
            while time.monotonic() < deadline:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", self.port)) == 0:
                        return
                time.sleep(0.05)
        raise RuntimeError("redis-server did not listen")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)


class WorkerProcess:
    """`voicegraph worker CONFIG` in a subprocess; its JSON events are collected."""

    def __init__(
        self, server: LiveKitServer, *, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.events: list[dict[str, Any]] = []
        self._log = tempfile.NamedTemporaryFile(prefix="vg-worker-", suffix=".log", delete=False)
        full_env = {
            **os.environ, "PYTHONPATH": str(ROOT), "LIVEKIT_URL": server.url,
            "LIVEKIT_API_KEY": server.api_key, "LIVEKIT_API_SECRET": server.api_secret, **(env or {}),
        }  # fmt: skip
        cmd = [sys.executable, "-m", "voicegraph.cli", "worker", str(CONFIG), *args]
        self.proc = subprocess.Popen(
            _wrap(server, cmd), cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=self._log,
            encoding="utf-8", errors="replace", preexec_fn=_die_with_parent,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with contextlib.suppress(json.JSONDecodeError):
                self.events.append(json.loads(line))

    def event(self, name: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events:
                if e.get("event") == name:
                    return e
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no {name!r} event; exit {self.proc.poll()}\n{self.tail()}")

    @property
    def worker_id(self) -> str:
        return str(self.event("registered")["worker_id"])

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def stop(self, timeout: float = 15.0) -> int:
        self.signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            return self.wait(10)

    def wait(self, timeout: float) -> int:
        """Wait for the exit; then close the pipes."""
        code = self.proc.wait(timeout)
        self._reader.join(15)  # the last lines (`stopped`) may still be in the pipe
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()
        return code

    def tail(self, n: int = 3000) -> str:
        return Path(self._log.name).read_text(errors="replace")[-n:]


def named_agent_token(config: LiveKitConfig, identity: str, room: str, agent_name: str) -> str:
    """A user token whose room configuration asks for agent `agent_name` (explicit dispatch)."""
    from livekit import api

    grants = api.VideoGrants(room_join=True, room=room)
    cfg = api.RoomConfiguration(agents=[api.RoomAgentDispatch(agent_name=agent_name)])
    token = api.AccessToken(config.api_key, config.secret()).with_identity(identity).with_grants(grants)
    return token.with_room_config(cfg).to_jwt()


class Caller:
    """A simulated user in one room: says a line per turn, reads the agent's words."""

    def __init__(
        self, config: LiveKitConfig, room: str, identity: str = "caller", agent_name: str = ""
    ) -> None:
        self.config, self.room_name, self.identity, self.agent_name = config, room, identity, agent_name
        self.user: SimUser | None = None
        self.bot_said: list[str] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def join(self) -> None:
        token = await TokenIssuer(self.config).client_token(self.identity, self.room_name)
        if self.agent_name:  # explicit dispatch through the room configuration in the token
            token = named_agent_token(self.config, self.identity, self.room_name, self.agent_name)
        self.user = SimUser(self.config.url, token, self.identity, agent_identity=AGENT)
        self.user.room.register_text_stream_handler(TOPIC, self._on_stream)
        await self.user.join()

    def _on_stream(self, reader: rtc.TextStreamReader, sender: str) -> None:
        async def read() -> None:
            text = await reader.read_all()
            final = dict(reader.info.attributes or {}).get("lk.transcription_final") == "true"
            if sender.startswith(AGENT) and final:
                self.bot_said.append(text)

        self.tasks.append(asyncio.get_running_loop().create_task(read()))

    def served_by(self) -> tuple[str, str]:
        """(worker id, pid) of the agent in the room, from its participant attributes."""
        assert self.user is not None
        agents = [
            p for p in self.user.room.remote_participants.values() if p.attributes.get(WORKER_ATTRIBUTE)
        ]
        latest = max(agents, key=lambda p: p.joined_at.timestamp() if p.joined_at else 0.0, default=None)
        attrs = dict(latest.attributes) if latest is not None else {}
        return attrs.get(WORKER_ATTRIBUTE, ""), attrs.get(PID_ATTRIBUTE, "")

    async def turn(self, n: int, timeout: float = 30.0) -> float:
        """Say a line; return seconds until the agent's words for turn `n` arrived."""
        assert self.user is not None
        await wait_for(self.user.subscribed.is_set, timeout)
        await self.user.say(np.concatenate([silence(0.2), question()]))
        t0 = time.monotonic()
        await wait_for(lambda: any(f"(turn {n})" in s for s in self.bot_said), timeout)
        return time.monotonic() - t0

    async def leave(self) -> None:
        for t in self.tasks:
            t.cancel()
        if self.user is not None:
            await self.user.leave()
