"""CartesiaSTT: Cartesia Ink streaming speech-to-text over its WebSocket."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    InputAudioFrame,
    InterimTranscriptFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.tts.cartesia_node import CartesiaNode
from voicegraph.processors.tts.cartesia_socket import (
    API_VERSION,
    CartesiaAccess,
    CartesiaSocket,
    service_error,
)

PCM16K = AudioFormat(16000, 1, SampleFormat.S16)


class CartesiaSTT(CartesiaNode):
    """Transcribes the user with Cartesia Ink (`/stt/websocket`, manual finalize).

    Handles: `InputAudioFrame` (16 kHz mono s16, sent as binary frames while the socket
    is up), `UserStoppedSpeakingFrame` (sends `finalize`: Cartesia transcribes what it
    buffered), `TurnEndFrame` (finalizes again and waits for every pending `flush_done`,
    at most `finalize_timeout_s`, before forwarding it, so the turn's final transcript
    comes first). Emits: `InterimTranscriptFrame` for interim results and
    `TranscriptFrame` for each final one (text stripped; Cartesia's finals are deltas),
    VAD frames passed on. Latency: Cartesia's finalize round trip (`stt_final_ms` metric,
    from the finalize to its final transcript). Flush: nothing held (not interruptible:
    the user's words are not dropped by a barge-in). Drain: sends `close` and waits for
    `done`. A dropped socket is reopened on the next audio (after `retry_s`); audio sent
    while it was down is lost.

    Args:
        model: `ink-whisper` (default), `ink-whisper-2025-06-04` or `ink-2`.
        language: language code.
        min_volume: Cartesia's volume gate 0..1 (None: its default).
        max_silence_duration_secs: Cartesia's silence cut (None: its default).
        api_key_env: environment variable holding the API key.
        base_url: API base (None: `CARTESIA_BASE_URL` or `https://api.cartesia.ai`).
        api_version: `Cartesia-Version` header.
        finalize_timeout_s: longest wait for a finalize's `flush_done` at the turn end.
        open_timeout_s: WebSocket handshake deadline.
        retry_s: least time between reconnect attempts.

    Raises:
        VoiceError: (invalid_config) the key's environment variable is unset.
    """

    concurrent: ClassVar[bool] = True
    interruptible = False
    background_output: ClassVar[bool] = True  # transcripts come from the socket reader
    accepts: tuple[AudioFormat, ...] | None = (PCM16K,)
    latency = LatencySpec(ms=150.0, note="Cartesia finalize round trip")

    def __init__(
        self,
        *,
        model: str = "ink-whisper",
        language: str = "en",
        min_volume: float | None = None,
        max_silence_duration_secs: float | None = None,
        api_key_env: str = "CARTESIA_API_KEY",
        base_url: str | None = None,
        api_version: str = API_VERSION,
        finalize_timeout_s: float = 5.0,
        open_timeout_s: float = 5.0,
        retry_s: float = 1.0,
        name: str | None = None,
    ) -> None:
        super().__init__(open_timeout_s=open_timeout_s, name=name)
        self._access = CartesiaAccess.resolve(
            api_key_env=api_key_env, base_url=base_url, version=api_version, node=self.name
        )
        self._query: dict[str, object] = {
            "model": model, "encoding": "pcm_s16le", "sample_rate": PCM16K.rate, "language": language,
            "min_volume": min_volume, "max_silence_duration_secs": max_silence_duration_secs,
        }  # fmt: skip
        self._finalize_timeout = finalize_timeout_s
        self._retry_s = retry_s
        self._flushes: collections.deque[tuple[float, asyncio.Event]] = collections.deque()
        self._closed = asyncio.Event()
        self._next_try = 0.0
        self._speech_end_ns = 0
        self._audio_since_finalize = False

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """None: the node emits text only."""
        return None

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        sock = await self._maybe_connected()
        if sock is None:
            return
        try:
            await sock.send(frame.data)
            self._audio_since_finalize = True
        except VoiceError as exc:
            self._report(exc)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        await out.send(frame)

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        self._speech_end_ns = frame.speech_end_ns or frame.pts
        await self._finalize()
        await out.send(frame)

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        if self._audio_since_finalize:
            await self._finalize()
        await self._settle()
        await out.send(frame)

    async def on_drain(self, out: Outbox) -> None:
        sock = self._socket
        if sock is None or not sock.is_open:
            return
        self._socket = None  # closing on purpose: its end is not a failure
        try:
            await sock.send("close")
            async with asyncio.timeout(self._finalize_timeout):
                await self._closed.wait()
        except (VoiceError, TimeoutError):
            pass  # closing anyway
        await sock.close()

    # -- finalize ----------------------------------------------------------------------
    async def _finalize(self) -> None:
        sock = self._socket
        if sock is None or not sock.is_open:
            return
        event = asyncio.Event()
        self._flushes.append((time.perf_counter(), event))
        self._audio_since_finalize = False
        try:
            await sock.send("finalize")
        except VoiceError as exc:
            event.set()
            self._report(exc)

    async def _settle(self) -> None:
        """Wait for every finalize sent so far to be answered (its final transcript is out)."""
        pending = [e for _, e in self._flushes]
        try:
            async with asyncio.timeout(self._finalize_timeout):
                for event in pending:
                    await event.wait()
        except TimeoutError:
            self._report(VoiceError(ErrorCode.TIMEOUT, "Cartesia did not answer a finalize in time",
                                    node=self.name, retriable=True))  # fmt: skip

    # -- socket ------------------------------------------------------------------------
    async def _maybe_connected(self) -> CartesiaSocket | None:
        if self._socket is not None and self._socket.is_open:
            return self._socket
        if time.monotonic() < self._next_try:
            return None
        try:
            return await self._connected()
        except VoiceError as exc:
            self._next_try = time.monotonic() + self._retry_s
            self._report(exc)
            return None

    def _socket_url(self) -> str:
        return self._access.url("/stt/websocket", self._query)

    def _on_connect(self) -> None:
        self._closed.clear()

    async def _read(self, sock: CartesiaSocket) -> None:
        async for event in sock.events():
            await self._on_event(event)
        self._closed.set()
        while self._flushes:  # never answered: do not hold the turn
            self._flushes.popleft()[1].set()
        if self._socket is sock:
            self._socket = None
            self._report(VoiceError(ErrorCode.CONNECTION_FAILED, "Cartesia STT socket closed",
                                    node=self.name, retriable=True))  # fmt: skip

    async def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "transcript":
            text = str(event.get("text", "")).strip()
            if not text:
                return
            if event.get("is_final"):
                if self._flushes:
                    self._metric("stt_final_ms", (time.perf_counter() - self._flushes[0][0]) * 1000)
                lang = str(event.get("language") or "")
                final = TranscriptFrame(text=text, speech_end_ns=self._speech_end_ns, language=lang)
                await self.outbox.send(final)
            else:
                await self.outbox.send(InterimTranscriptFrame(text=text))
        elif kind == "flush_done" and self._flushes:
            self._flushes.popleft()[1].set()
        elif kind == "done":
            self._closed.set()
        elif kind == "error":
            self._report(service_error(event, self.name, "Cartesia STT"))
