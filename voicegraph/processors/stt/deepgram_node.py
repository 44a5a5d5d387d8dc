"""DeepgramNode: what the Deepgram STT nodes share: the key, the socket, the reader task, errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K, AudioFormat
from voicegraph.framework.processor import Processor
from voicegraph.processors.bus_reports import publish_error, publish_metrics
from voicegraph.processors.stt.deepgram_socket import DeepgramSocket, listen_url, resolve_api_key

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext
    from voicegraph.framework.outbox import Outbox

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "wss://api.deepgram.com"


class DeepgramNode(Processor):
    """Base of `DeepgramSTT` (Nova, `/v1/listen`) and `DeepgramFluxSTT` (`/v2/listen`).

    Resolves the API key at construction (a missing key fails the graph's build with
    `invalid_config` naming `api_key` and the variable), connects in `on_start` (a
    refusal fails the session start with its code), reads server messages in a task of
    the graph, and on drain sends `CloseStream` and waits (at most `drain_timeout_s`)
    for the server's last messages and its normal close.
    """

    concurrent: ClassVar[bool] = True
    interruptible = False  # user input path: barge-in must not cut the transcription
    background_output: ClassVar[bool] = True  # transcripts come from the reader task
    accepts: tuple[AudioFormat, ...] | None = (PCM16K,)
    path: ClassVar[str] = ""

    def __init__(
        self,
        *,
        api_key: str | None,
        api_key_env: str,
        base_url: str,
        reconnects: int,
        drain_timeout_s: float,
        name: str | None,
    ) -> None:
        super().__init__(name=name)
        self._api_key = resolve_api_key(api_key, api_key_env, node=self.name)
        self.base_url = base_url
        self._reconnects = reconnects
        self._drain_timeout_s = drain_timeout_s
        self._ctx: StartContext | None = None
        self._socket: DeepgramSocket | None = None
        self._done = asyncio.Event()

    def query(self) -> dict[str, str | int | float | bool | None]:
        """The connection's query parameters."""
        raise NotImplementedError

    @property
    def url(self) -> str:
        """The full listen URL."""
        return listen_url(self.base_url, self.path, self.query())

    @property
    def socket(self) -> DeepgramSocket:
        """The live socket (once started)."""
        if self._socket is None:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, "not started", node=self.name)
        return self._socket

    async def on_start(self, ctx: StartContext) -> None:
        """Connect (refusals fail the start with their code) and start reading."""
        self._ctx = ctx
        self._socket = DeepgramSocket(
            self.url, self._api_key, node=self.name, reconnects=self._reconnects, on_malformed=self.report
        )
        await self._socket.open()
        ctx.spawn(self._read(), name=f"{self.name}:read")

    async def _read(self) -> None:
        try:
            async for message in self.socket.messages(self._reconnected):
                try:
                    await self.on_message(message)
                except VoiceError as exc:
                    self.report(exc)
        except VoiceError as exc:
            self.report(exc)
        finally:
            self._done.set()

    async def on_message(self, message: dict[str, Any]) -> None:
        """One server message."""
        raise NotImplementedError

    async def _reconnected(self) -> None:
        self.metric("deepgram_reconnects", float(self.socket.connections - 1))
        await self.on_reconnect()

    async def on_reconnect(self) -> None:
        """The socket came back after a drop: resend what the server had not answered."""

    async def on_drain(self, out: Outbox) -> None:
        """End of stream: `CloseStream`, then the server's last results (bounded wait)."""
        if self._socket is None or not self._socket.is_open:
            return
        await self.before_close()
        await self._socket.finish({"type": "CloseStream"})
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._drain_timeout_s):
                await self._done.wait()

    async def before_close(self) -> None:
        """Last messages before `CloseStream` (Nova: `Finalize` of an open utterance)."""

    async def on_stop(self) -> None:
        """Close the socket."""
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close()

    def report(self, exc: VoiceError) -> None:
        """Publish an error on the graph bus (the session goes on)."""
        err = exc.with_node(self.name)
        log.warning("%s: %s", self.name, err)
        publish_error(self._ctx, self.name, err)

    def metric(self, key: str, value: float) -> None:
        """Publish one measurement on the graph bus."""
        publish_metrics(self._ctx, self.name, {key: value})
