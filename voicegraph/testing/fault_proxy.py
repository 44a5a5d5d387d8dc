"""FaultProxy: a loopback TCP proxy that injects faults into any protocol carried over it."""

from __future__ import annotations

import asyncio
import contextlib

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.testing.fault_schedule import Fault, FaultSchedule
from voicegraph.testing.loopback import require_loopback
from voicegraph.testing.proxy_lifecycle import ProxyLifecycle
from voicegraph.testing.stream_pipe import abort, pipe


class FaultProxy(ProxyLifecycle):
    """Sits between a client and a loopback server and breaks the connection on schedule.

    Each accepted connection is one `connect` operation (faults: `refuse`, `delay`,
    `stall`); then every chunk read, either way, is one `chunk` operation (`chunk>`
    client to server, `chunk<` back; faults: `delay`, `stall`, `drop`, `truncate`). With
    no schedule it relays faithfully. `cut_all()` drops every open connection at once (a
    forced network drop); `refuse_new` makes connects fail while set (a server that is
    down). Counters: `schedule.seen` / `schedule.injected`; `accepted` connections.

    Handles: bytes both ways. Emits: the same bytes, late, cut short or not at all.
    Latency: one asyncio hop (tens of microseconds) when no fault fires. Stop: open
    connections are aborted; a stalled chunk is abandoned.

    Args:
        upstream_port: the server's port.
        upstream_host: the server's host (loopback only).
        schedule: the faults to inject (none by default).
        host, port: where to listen (loopback only; port 0: any free port).

    Raises:
        VoiceError: (invalid_config) a host that is not loopback.
    """

    def __init__(
        self,
        upstream_port: int,
        *,
        upstream_host: str = "127.0.0.1",
        schedule: FaultSchedule | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__()
        self.upstream_host = require_loopback(upstream_host, "upstream")
        self.upstream_port = upstream_port
        self.host = require_loopback(host, "listen")
        self._port = port
        self.schedule = schedule or FaultSchedule()
        self.refuse_new = False
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()

    @property
    def port(self) -> int:
        """The port the proxy listens on (known after `start`)."""
        if self._server is None:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "fault proxy is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def open_connections(self) -> int:
        """Client connections being served right now."""
        return len(self._tasks)

    async def start(self) -> None:
        """Listen on `host:port`."""
        self._server = await asyncio.start_server(self._serve, self.host, self._port)

    async def stop(self) -> None:
        """Stop listening, end held faults early and abort every open connection."""
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        self.cut_all()
        if self._tasks:
            self._idle.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._idle.wait()
        if self._server is not None:
            await self._server.wait_closed()

    def cut_all(self) -> int:
        """Abort every open connection, both legs (a forced drop). Returns how many legs."""
        writers = list(self._writers)
        abort(*writers)
        return len(writers)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.accepted += 1
        try:
            fault = Fault.REFUSE if self.refuse_new else self.schedule.decide("connect")
            if fault is Fault.REFUSE:
                abort(writer)
                return
            await self.hold(self.schedule.hold_s(fault))
            if self._stopping.is_set():
                abort(writer)
                return
            legs: list[asyncio.StreamWriter] = []
            try:
                await self._relay(reader, writer, legs)
            finally:
                for leg in legs:
                    self._writers.discard(leg)
                    abort(leg)
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            if not self._tasks:
                self._idle.set()
            writer.close()

    async def _open_upstream(
        self, legs: list[asyncio.StreamWriter]
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """Connect to the server (None if it refuses); the new leg is cut on stop and at the end."""
        try:
            up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        except OSError:
            return None
        legs.append(up_writer)
        self._writers.add(up_writer)
        return up_reader, up_writer

    async def _relay(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, legs: list[asyncio.StreamWriter]
    ) -> None:
        upstream = await self._open_upstream(legs)
        if upstream is None:
            abort(writer)
            return
        up_reader, up_writer = upstream
        both = (writer, up_writer)
        async with asyncio.TaskGroup() as tg:
            tg.create_task(pipe(reader, up_writer, self.schedule, ">", both, self.hold))
            tg.create_task(pipe(up_reader, writer, self.schedule, "<", both, self.hold))
