"""MemoryServer and MemoryProvider: in-process clients as sessions of a backend."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.hooks import ConnectRequest
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.transports.dtmf_frame import DTMFFrame
from voicegraph.transports.memory_transport import MemoryTransport

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame

log = logging.getLogger("voicegraph.backends.memory")


MAX_KEPT_ERRORS = 256
"""Failed sessions whose errors `MemoryServer.errors` keeps (the newest; bounded so that a
long-running server with failing sessions does not grow)."""


class MemoryServer:
    """Accepts in-process clients: `connect()` admits one and returns its `MemoryTransport`.

    Each connection runs as a session of the backend's `SessionManager` in a task this
    server owns (cancelled on `stop`). A refusal (capacity, auth, rate limit, unknown
    resume id) raises from `connect` with its code, at once. A session that fails to
    build or start records its error in `errors[session_id]` (the newest `MAX_KEPT_ERRORS`) and finishes
    its connection.

    Args:
        manager: the backend's session manager.
        input_format, output_format, capacity: see `MemoryTransport`.
    """

    def __init__(
        self,
        manager: SessionManager,
        *,
        input_format: AudioFormat = PCM16K,
        output_format: AudioFormat | None = None,
        capacity: int = 4096,
    ) -> None:
        self._manager = manager
        self.input_format, self.output_format, self.capacity = input_format, output_format, capacity
        self._tasks: set[asyncio.Task[None]] = set()
        self.errors: dict[str, VoiceError] = {}
        self.accepting = False

    async def start(self) -> None:
        """Start accepting."""
        self.accepting = True

    async def stop(self) -> None:
        """Stop accepting; cancel sessions still running (after the manager's shutdown)."""
        self.accepting = False
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5.0)

    def describe(self) -> dict[str, Any]:
        """Where it listens: in process."""
        return {"kind": "memory", "accepting": self.accepting, "connections": len(self._tasks)}

    async def connect(
        self,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        resume: str = "",
        remote: str = "",
    ) -> MemoryTransport:
        """Admit a client and start its session.

        Raises:
            VoiceError: session_limit_exceeded, rate_limit_exceeded, authentication_failed,
                authorization_failed, session_not_found.
        """
        if not self.accepting:
            raise VoiceError(ErrorCode.SESSION_LIMIT_EXCEEDED, "server is not accepting", retriable=True)
        request = ConnectRequest(
            transport="memory",
            remote=remote,
            headers=dict(headers or {}),
            params=dict(params or {}),
            resume=resume,
        )
        adm = await self._manager.admit(request)
        conn = MemoryTransport(
            input_format=self.input_format, output_format=self.output_format,
            capacity=self.capacity, session_id=adm.session_id,
        )  # fmt: skip
        task = asyncio.get_running_loop().create_task(
            self._run(conn, adm), name=f"session:{adm.session_id[:6]}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return conn

    async def _run(self, conn: MemoryTransport, adm: Any) -> None:
        try:
            await self._manager.run(conn)
        except VoiceError as err:
            self.errors[conn.session_id] = err
            if len(self.errors) > MAX_KEPT_ERRORS:
                del self.errors[next(iter(self.errors))]
            log.info("session %s failed: %s", conn.session_id, err)
        finally:
            self._manager.release(adm)
            conn.finish(lost=True)

    async def wait_closed(self) -> None:
        """Wait until every session task has ended."""
        with contextlib.suppress(asyncio.CancelledError):
            while self._tasks:
                await asyncio.wait(list(self._tasks))


class MemoryProvider:
    """Backend provider `memory`: sessions with in-process clients (apps, tests, benchmarks).

    Options: `input_format`, `output_format` (AudioFormat), `capacity` (frames per direction);
    `host`, `port` and `reuse_port` are accepted and ignored (no socket).
    """

    name: ClassVar[str] = "memory"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        min_latency_ms=0.0, codecs=("pcm_s16le", "pcm_f32le")
    )
    operations: ClassVar[dict[type[Frame], str]] = {DTMFFrame: "message.dtmf"}

    def create(self, manager: SessionManager, options: dict[str, Any]) -> MemoryServer:
        """A `MemoryServer` for `manager`; network options (host, port, reuse_port) are
        ignored, so a config moves between `memory` and a network provider unchanged."""
        from voicegraph.backends.provider_options import NETWORK_OPTIONS

        return MemoryServer(manager, **{k: v for k, v in options.items() if k not in NETWORK_OPTIONS})
