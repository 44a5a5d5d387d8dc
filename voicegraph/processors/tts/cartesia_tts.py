"""CartesiaTTS: Cartesia Sonic over its WebSocket, one context per reply."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    SentenceFrame,
    TextFrame,
    TTSAudioFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.tts.cartesia_context import CartesiaContext, ContextTable
from voicegraph.processors.tts.cartesia_node import CartesiaNode
from voicegraph.processors.tts.cartesia_socket import (
    API_VERSION,
    CartesiaAccess,
    CartesiaSocket,
    service_error,
)

DEFAULT_VOICE = "6ccbfb76-1fc6-48f7-b71d-91ac6298247b"
"""A stock Cartesia voice id (the SDK's own default)."""


class CartesiaTTS(CartesiaNode):
    """Speaks text with Cartesia Sonic over one WebSocket kept open for the session.

    Handles: `SentenceFrame`/`TextFrame` (spoken; within a reply, marked by
    `LLMResponseStartFrame`/`ResponseStartFrame`, every text goes on the reply's context
    with `continue: true`; a text outside a reply is its own context), the reply's end
    (`LLMResponseEndFrame`/`ResponseEndFrame`: the context is closed with an empty
    `continue: false` input and the frame is forwarded once Cartesia says `done`, so it
    follows the reply's audio). Emits: `TTSAudioFrame`s (mono s16 at `sample_rate`) as
    chunks arrive, with the words of Cartesia's word timestamps (`word_times_ms`) and
    each text on the piece where its first word starts. Latency: Cartesia's time to first
    audio plus one network hop (`ttfb_ms` metric per context). Flush (barge-in): the
    context is cancelled and forgotten; every late message with its id is dropped
    (`stale_dropped`), so no audio of a cancelled context reaches the output. Drain: an
    open context is closed and its audio awaited (at most `done_timeout_s`).

    A context idle for `context_ttl_s` is not continued (Cartesia expires idle contexts;
    the next text opens a new one); texts a context refuses with an `error` are said
    again on a new context that takes its place. A dropped socket is reopened for the
    next text.

    Args:
        voice_id: Cartesia voice id.
        model_id: Sonic model (`sonic-3`, `sonic-3.5`, `sonic-2`...).
        sample_rate: output rate (8000, 16000, 22050, 24000, 44100 or 48000).
        language: ISO-639-1 language code.
        add_timestamps: ask for word timestamps (for the played-words report).
        max_buffer_delay_ms: Cartesia's text buffering (None: its default).
        api_key_env: environment variable holding the API key.
        base_url: API base (`https://api.cartesia.ai`; None: `CARTESIA_BASE_URL` or that).
        api_version: `Cartesia-Version` header.
        context_ttl_s: longest idle gap before a reply's context is not continued.
        done_timeout_s: longest wait for a closed context's `done`.
        open_timeout_s: WebSocket handshake deadline.

    Raises:
        VoiceError: (invalid_config) the key's variable is unset, or a bad rate.
    """

    concurrent: ClassVar[bool] = True
    background_output: ClassVar[bool] = True  # audio comes from the socket reader task
    latency = LatencySpec(ms=150.0, note="Cartesia time to first audio")
    RATES: ClassVar[tuple[int, ...]] = (8000, 16000, 22050, 24000, 44100, 48000)

    def __init__(
        self,
        *,
        voice_id: str = DEFAULT_VOICE,
        model_id: str = "sonic-3",
        sample_rate: int = 24000,
        language: str = "en",
        add_timestamps: bool = True,
        max_buffer_delay_ms: int | None = None,
        api_key_env: str = "CARTESIA_API_KEY",
        base_url: str | None = None,
        api_version: str = API_VERSION,
        context_ttl_s: float = 4.0,
        done_timeout_s: float = 15.0,
        open_timeout_s: float = 5.0,
        name: str | None = None,
    ) -> None:
        super().__init__(open_timeout_s=open_timeout_s, name=name)
        if sample_rate not in self.RATES:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"sample_rate {sample_rate} not in {self.RATES}",
                             node=self.name)  # fmt: skip
        self._access = CartesiaAccess.resolve(
            api_key_env=api_key_env, base_url=base_url, version=api_version, node=self.name
        )
        self._format = AudioFormat(sample_rate, 1, SampleFormat.S16)
        self._request: dict[str, Any] = {
            "model_id": model_id,
            "voice": {"mode": "id", "id": voice_id},
            "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": sample_rate},
            "language": language,
            "add_timestamps": add_timestamps,
        }
        if max_buffer_delay_ms is not None:
            self._request["max_buffer_delay_ms"] = max_buffer_delay_ms
        self._timed = add_timestamps
        self._ttl = context_ttl_s
        self._done_timeout = done_timeout_s
        self._contexts = ContextTable()
        self._current: CartesiaContext | None = None
        self._in_reply = False
        self.stale_dropped = 0
        """Messages of cancelled or unknown contexts dropped."""

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """Mono s16 at `sample_rate`, whatever comes in."""
        return self._format

    # -- frames ------------------------------------------------------------------------
    @handles(LLMResponseStartFrame, ResponseStartFrame)
    async def on_reply_start(self, frame: Frame, out: Outbox) -> None:
        self._in_reply = True
        await out.send(frame)

    @handles(TextFrame, SentenceFrame)
    async def on_text(self, frame: TextFrame | SentenceFrame, out: Outbox) -> None:
        text = frame.text.strip()
        if not text:
            return
        ctx = await self._send_text(text)
        if not self._in_reply:
            await self._finish(ctx)

    @handles(LLMResponseEndFrame, ResponseEndFrame)
    async def on_reply_end(self, frame: Frame, out: Outbox) -> None:
        self._in_reply = False
        if self._current is not None:
            await self._finish(self._current)
        await out.send(frame)

    async def on_flush(self) -> None:
        self._current, self._in_reply = None, False
        live = self._contexts.live()  # the open reply and any still finishing
        for ctx in live:
            ctx.cancelled = True
            self._contexts.release(ctx)
        for ctx in live:
            if self._socket is None or not self._socket.is_open:
                break  # the socket is gone: nothing more comes for these contexts anyway
            try:
                await self._socket.send({"context_id": ctx.cid, "cancel": True})
            except VoiceError:
                break

    async def on_drain(self, out: Outbox) -> None:
        if self._current is not None:
            await self._finish(self._current)

    # -- contexts ----------------------------------------------------------------------
    async def _send_text(self, text: str) -> CartesiaContext:
        ctx = self._current
        now = time.monotonic()
        if ctx is not None and (ctx.error or now - ctx.last_input > self._ttl):
            self._contexts.release(ctx)  # expired or failed: the rest of the reply on a new one
            ctx = None
        for attempt in (1, 2):
            sock = await self._connected()
            ctx = ctx or self._open_context(now)
            try:
                await sock.send({**self._request, "context_id": ctx.cid, "transcript": text + " ",
                                 "continue": True})  # fmt: skip
                break
            except VoiceError:
                self._contexts.release(ctx)
                ctx = None
                if attempt == 2:
                    raise
        assert ctx is not None
        ctx.add_text(text, now)
        return ctx

    def _open_context(self, now: float) -> CartesiaContext:
        epoch = self._ctx.epoch if self._ctx is not None else 0
        ctx = self._current = self._contexts.open(rate=self._format.rate, epoch=epoch, now=now)
        return ctx

    async def _finish(self, ctx: CartesiaContext) -> None:
        """Close `ctx` and wait until its audio is out (`done`, an error or a lost socket)."""
        if self._current is ctx:
            self._current = None
        done = self._contexts.done_event(ctx)
        if done is None or ctx.cancelled:
            return
        if not ctx.closing and not ctx.error:
            ctx.closing = True
            try:
                sock = await self._connected()
                await sock.send({**self._request, "context_id": ctx.cid, "transcript": "", "continue": False})
            except VoiceError as exc:
                self._report(exc)
                self._contexts.release(ctx)
                return
        try:
            async with asyncio.timeout(self._done_timeout):
                await done.wait()
        except TimeoutError:
            self._report(VoiceError(ErrorCode.TIMEOUT, f"no 'done' for context within {self._done_timeout}s",
                                    node=self.name, retriable=True))  # fmt: skip
        self._contexts.release(ctx)

    # -- socket ------------------------------------------------------------------------
    def _socket_url(self) -> str:
        return self._access.url("/tts/websocket")

    async def _read(self, sock: CartesiaSocket) -> None:
        async for event in sock.events():
            await self._on_event(event)
        if self._socket is sock:  # dropped: contexts on it will never finish
            self._socket = None
            self._report(VoiceError(ErrorCode.CONNECTION_FAILED, "Cartesia TTS socket closed",
                                    node=self.name, retriable=True))  # fmt: skip
            for ctx in self._contexts.live():
                ctx.error = "socket closed"
                self._contexts.release(ctx)

    async def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        ctx = self._contexts.get(event.get("context_id"))
        if ctx is None or ctx.cancelled or (self._ctx is not None and ctx.epoch != self._ctx.epoch):
            self.stale_dropped += 1
            if kind == "error" and event.get("context_id") is None:
                self._report(service_error(event, self.name))
            return
        if kind == "chunk":
            await self._emit(ctx, base64.b64decode(str(event.get("data", ""))))
        elif kind == "timestamps":
            wt = event.get("word_timestamps") or {}
            ctx.add_timestamps(list(wt.get("words", [])), [float(s) for s in wt.get("start", [])])
        elif kind == "done":
            self._contexts.release(ctx)
        elif kind == "error":
            ctx.error = str(event.get("message") or event.get("error") or "error")
            self._report(service_error(event, self.name))
            if not await self._recover(ctx):
                self._contexts.release(ctx)

    async def _recover(self, ctx: CartesiaContext) -> bool:
        """After a service error on `ctx` (an expired context, typically), say the texts it
        never spoke on a new context that inherits its place: the reply's `done` wait moves
        to the new context. Once per reply; False when there is nothing to take over."""
        lost = ctx.lost_texts()
        sock = self._socket
        if not lost or ctx.successor is not None or ctx.recovered or sock is None:
            return False
        new = self._contexts.open(rate=ctx.rate, epoch=ctx.epoch, now=time.monotonic(), closing=ctx.closing)
        new.recovered = True
        self._contexts.take_over(ctx, new)
        if self._current is ctx:
            self._current = new
        try:
            for text in lost:
                await sock.send({**self._request, "context_id": new.cid, "transcript": text + " ",
                                 "continue": True})  # fmt: skip
                new.add_text(text, time.monotonic())
            if new.closing:
                await sock.send({**self._request, "context_id": new.cid, "transcript": "", "continue": False})
        except VoiceError:
            self._contexts.release(new)
        return True

    async def _emit(self, ctx: CartesiaContext, pcm: bytes) -> None:
        ctx.last_audio = time.monotonic()
        if ctx.chunks == 0 and ctx.sent_times:
            self._metric("ttfb_ms", (ctx.last_audio - ctx.sent_times[0]) * 1000)
        for piece in ctx.place(pcm, timed=self._timed):
            if ctx.cancelled or self._contexts.get(ctx.cid) is not ctx:
                self.stale_dropped += 1
                return
            frame = TTSAudioFrame(data=piece.data, format=self._format, text=piece.text,
                                  word_times_ms=piece.words)  # fmt: skip
            await self.outbox.send(frame)
