"""One connection to the fake Deepgram: the receive loop shared by `/v1/listen` and `/v2/listen`.

Messages are handled strictly in arrival order by one worker (audio, then a control
message after it), as the service does: a `Finalize` applies to the audio sent before
it. The receive side enforces the idle rule (no audio and no text for `idle_timeout_s`
=> close 1011 `NET-0001`) and the drop fault (abort the TCP connection, no close frame,
after `drop_after_s` of audio).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import numpy as np

from tests.fakes.deepgram_faults import DeepgramFaults

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

_STOP = object()


class FakeSession:
    """Base of the fake's protocol sessions; subclasses implement `on_audio` and `on_control`.

    Args:
        ws: the accepted WebSocket.
        query: the connection's query parameters (first value of each).
        faults: what to break.
        idle_timeout_s: the NET-0001 window.
        log: where sent and received messages are recorded (the server's).
    """

    def __init__(
        self,
        ws: ServerConnection,
        query: dict[str, str],
        *,
        faults: DeepgramFaults,
        idle_timeout_s: float,
        log: list[tuple[str, dict[str, Any]]],
    ) -> None:
        self.ws = ws
        self.query = query
        self.faults = faults
        self.idle_timeout_s = idle_timeout_s
        self.log = log
        self.request_id = str(uuid.uuid4())
        self.audio_bytes = 0
        self.sent_ns: list[tuple[int, dict[str, Any]]] = []
        """(perf_counter_ns just before the first byte went out, message), for latency measurements."""
        self.closed_by: str = ""
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._busy = False

    async def run(self) -> None:
        """Serve until the client closes, the idle rule fires, or a fault ends it."""
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._work())
            try:
                await self._receive()
            finally:
                await self._queue.put(_STOP)

    async def _receive(self) -> None:
        from websockets.exceptions import ConnectionClosed

        while True:
            try:
                async with asyncio.timeout(self.idle_timeout_s):
                    message = await self.ws.recv()
            except TimeoutError:
                if self._busy or not self._queue.empty():
                    continue  # the window counts from when the fake has caught up
                self.closed_by = "idle"
                await self.ws.close(1011, "NET-0001")
                return
            except ConnectionClosed:
                self.closed_by = self.closed_by or "client"
                return
            if isinstance(message, bytes):
                self.audio_bytes += len(message)
                if self._should_drop():
                    self.closed_by = "drop"
                    self.ws.transport.abort()
                    return
                await self._queue.put(message)
                continue
            try:
                event = json.loads(message)
            except ValueError:
                event = {"type": "?"}
            self.log.append(("in", event))
            await self._queue.put(event)

    def _should_drop(self) -> bool:
        drop = self.faults.drop_after_s
        if drop is None or self.faults.drops <= 0 or self.audio_bytes < drop * 32000:
            return False
        self.faults.drops -= 1
        return True

    async def _work(self) -> None:
        while (item := await self._queue.get()) is not _STOP:
            if self.closed_by:
                continue
            self._busy = True
            try:
                if isinstance(item, bytes):
                    usable = len(item) - len(item) % 2
                    await self.on_audio(np.frombuffer(item[:usable], np.int16))
                else:
                    await self.on_control(item)
            finally:
                self._busy = False

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message (unless a stall fault swallows it)."""
        if self.faults.stall or self.closed_by:
            return
        self.log.append(("out", message))
        from websockets.exceptions import ConnectionClosed

        with contextlib.suppress(ConnectionClosed):
            self.sent_ns.append((time.perf_counter_ns(), message))
            await self.ws.send(json.dumps(message))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket normally."""
        self.closed_by = self.closed_by or "server"
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)

    async def on_audio(self, pcm: np.ndarray[Any, Any]) -> None:
        """Audio in order (16 kHz mono s16)."""
        raise NotImplementedError

    async def on_control(self, event: dict[str, Any]) -> None:
        """A JSON control message in order."""
        raise NotImplementedError
