"""VapiCall: a call to a Vapi assistant on Vapi's WebSocket transport, as one node."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from voicegraph.audio.g711 import mulaw_encode
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    InputAudioFrame,
    InterruptFrame,
    OutputAudioFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.framework.frames.call import EndCallFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.s2s.reply_emitter import ReplyEmitter
from voicegraph.processors.s2s.s2s_frames import S2SContextFrame
from voicegraph.processors.s2s.vapi_call_client import DEFAULT_BASE_URL, VapiCallClient
from voicegraph.processors.s2s.vapi_call_events import VapiCallEvents
from voicegraph.processors.s2s.vapi_call_frames import VapiAddMessageFrame, VapiSayFrame

if TYPE_CHECKING:
    from collections.abc import Mapping

    from voicegraph.framework.context import StartContext


class VapiCall(Processor):
    """Talks to a Vapi assistant: graph audio in, the assistant's audio and events out.

    Handles: `InputAudioFrame` (s16 mono at `sample_rate`; the graph converts), sent as
    binary frames of at most `chunk_ms` (G.711 mu-law with `audio_format="mulaw"`);
    `UserStartedSpeakingFrame` and `InterruptFrame` (barge-in: the assistant's queued audio
    is dropped); `EndCallFrame` from upstream (`{"type": "hangup"}`); `VapiSayFrame`
    (`say`), `VapiAddMessageFrame` and `S2SContextFrame` (`add-message`).

    Emits, as Vapi sends them: the assistant's audio as `OutputAudioFrame`s, every JSON
    message as a `VapiEventFrame`, and the frames `VapiCallEvents` maps them to
    (transcripts, response start/end, user speech, `EndCallFrame` when the call ends).

    Barge-in: Vapi detects the caller talking over its assistant and stops it; when it
    says so (`user-interrupted`, or a user `speech-update` while the assistant speaks), or
    local VAD hears the user, the node requests an interruption (the output stops within
    one chunk) and drops the assistant's audio still arriving until its next turn starts
    or `barge_in_guard_ms` pass. Hang-up: either side; Vapi's end becomes `EndCallFrame`.

    Latency: Vapi's (VAD, endpointing, its model and voice; declared 900 ms); the node adds
    well under a millisecond. Not interruptible (it is on the input path). Drain: sends
    `hangup` and waits for queued frames to go out; stop closes the socket.

    Args:
        api_key: Vapi private key (default `VAPI_API_KEY`); required.
        base_url: REST base (default `VAPI_BASE_URL`, else https://api.vapi.ai).
        assistant_id: a saved assistant (default `VAPI_ASSISTANT_ID`), or `assistant`: an
            inline assistant; one of the two is required.
        assistant_overrides: `assistantOverrides` of the call.
        sample_rate: rate on the socket (Vapi resamples; default 16000, 8000 for mulaw).
        audio_format: `pcm_s16le` or `mulaw` on the socket; the graph side is s16 PCM either way.
        chunk_ms: most audio per binary frame.
        call: more `POST /call` fields (name, customer, metadata...).
        barge_in_guard_ms: how long audio is dropped after a barge-in if no new turn starts.
        timeout_s: deadline of the REST call and the socket handshake.

    Raises:
        VoiceError: (invalid_config) no `api_key`, or neither `assistant_id` nor `assistant`.
    """

    concurrent: ClassVar[bool] = True
    interruptible = False
    background_output: ClassVar[bool] = True
    latency = LatencySpec(ms=900.0, note="Vapi endpointing + model + voice (remote)")

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        assistant_id: str | None = None,
        assistant: Mapping[str, Any] | None = None,
        assistant_overrides: Mapping[str, Any] | None = None,
        sample_rate: int | None = None,
        audio_format: str = "pcm_s16le",
        chunk_ms: int = 20,
        call: Mapping[str, Any] | None = None,
        barge_in_guard_ms: float = 300.0,
        timeout_s: float = 10.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.api_key = api_key if api_key is not None else os.environ.get("VAPI_API_KEY", "")
        if not self.api_key:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, "vapi_call: api_key missing (or set VAPI_API_KEY)", node=name
            )
        self.base_url = base_url or os.environ.get("VAPI_BASE_URL") or DEFAULT_BASE_URL
        assistant_id = assistant_id or os.environ.get("VAPI_ASSISTANT_ID")
        if not assistant_id and not assistant:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, "vapi_call: assistant_id or assistant missing", node=name
            )
        self.mulaw = audio_format == "mulaw"
        self.audio_format = _graph_format(audio_format, sample_rate, chunk_ms, name)
        self.accepts = (self.audio_format,)
        self.body = _call_body(
            assistant_id, assistant, assistant_overrides, audio_format, self.audio_format.rate, call
        )
        self.timeout_s, self.barge_in_guard_ns = timeout_s, int(barge_in_guard_ms * 1e6)
        self._chunk = self.audio_format.bytes_for(chunk_ms * 1_000_000)
        self.client: VapiCallClient | None = None
        self.events = VapiCallEvents()
        self._emitter: ReplyEmitter | None = None
        self._muted_until_ns: int | None = None  # after a barge-in: drop audio until then or a new turn
        self._ctx: StartContext | None = None
        self.call: dict[str, Any] = {}
        """The call as `POST /call` returned it."""

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """Vapi's audio comes back in the negotiated format."""
        return self.audio_format

    @property
    def call_id(self) -> str:
        """The Vapi call id ('' before start; kept after the call ended)."""
        return str(self.call.get("id", ""))

    async def on_start(self, ctx: StartContext) -> None:
        """Create the call, open its socket, start reading."""
        client = VapiCallClient(
            api_key=self.api_key,
            base_url=self.base_url,
            body=self.body,
            timeout_s=self.timeout_s,
            node=self.name,
        )
        self.call = await client.create()
        await client.connect()
        self.client, self._ctx = client, ctx
        emitter = self._emitter = ReplyEmitter(self.outbox.send, lambda _id, _f: None)
        ctx.spawn(emitter.run(), name=f"{self.name}:emit")
        ctx.spawn(self._read_loop(client, emitter), name=f"{self.name}:read")

    def _now(self) -> int:
        return self._ctx.clock.now_ns() if self._ctx is not None else 0

    async def _read_loop(self, client: VapiCallClient, emitter: ReplyEmitter) -> None:
        while (message := await client.recv()) is not None:
            if isinstance(message, bytes):
                if self._audio_allowed() and message:
                    emitter.put(
                        str(self.events.turn), OutputAudioFrame(data=message, format=self.audio_format)
                    )
                continue
            reaction = self.events.react(message, self._now())
            if self.events.assistant_speaking:
                self._muted_until_ns = None  # a new assistant turn: its audio plays
            if reaction.barge_in:
                await self._barge_in("barge-in: Vapi heard the user")
            for frame in reaction.frames:
                emitter.put(str(self.events.turn), frame)
        for frame in self.events.closed().frames:
            emitter.put(str(self.events.turn), frame)

    def _audio_allowed(self) -> bool:
        until = self._muted_until_ns
        if until is None:
            return True
        if self._now() >= until:
            self._muted_until_ns = None
            return True
        return False

    async def _barge_in(self, reason: str) -> None:
        """Drop the assistant's queued and in-flight audio; flush the graph."""
        self._muted_until_ns = self._now() + self.barge_in_guard_ns
        if self._emitter is not None:
            self._emitter.drop({str(self.events.turn)})
        await self.outbox.request_interrupt(reason)

    async def on_drain(self, out: Outbox) -> None:
        """End of stream: hang up, let queued frames go out (bounded)."""
        if self.client is not None and not self.events.ended:
            await self.client.send_json({"type": "hangup"})
        if self._emitter is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    await self._emitter.idle()
            self._emitter.close()

    async def on_stop(self) -> None:
        """Close the socket."""
        client, self.client = self.client, None
        if client is not None:
            await client.close()

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        """Stream the caller's audio to Vapi."""
        if frame.format != self.audio_format:
            raise VoiceError(
                ErrorCode.NOT_NEGOTIATED, f"expected {self.audio_format}, got {frame.format}", node=self.name
            )
        client = self._started()
        for i in range(0, len(frame.data), self._chunk):
            piece = frame.data[i : i + self._chunk]
            await client.send_audio(mulaw_encode(np.frombuffer(piece, "<i2")) if self.mulaw else piece)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        """Local VAD heard the user: barge in if the assistant is talking."""
        if self.events.assistant_speaking:
            await self._barge_in("barge-in: the user started speaking")
        await out.send(frame)

    @handles
    async def on_interrupt(self, frame: InterruptFrame, out: Outbox) -> None:
        """Any interruption drops the assistant's queued audio (Vapi stops on its own)."""
        if self._emitter is not None:
            self._emitter.drop({str(self.events.turn)})

    @handles
    async def on_end_call(self, frame: EndCallFrame, out: Outbox) -> None:
        """Something upstream ends the call: hang up on Vapi."""
        await self._started().send_json({"type": "hangup"})
        await out.send(frame)

    @handles
    async def on_say(self, frame: VapiSayFrame, out: Outbox) -> None:
        """Have the assistant say a line now."""
        await self._started().send_json(
            {"type": "say", "content": frame.text, "endCallAfterSpoken": frame.end_call_after}
        )

    @handles
    async def on_add_message(self, frame: VapiAddMessageFrame, out: Outbox) -> None:
        """Add a message to the assistant's conversation."""
        await self._add_message(frame.role, frame.content, trigger=frame.trigger_response)

    @handles
    async def on_context(self, frame: S2SContextFrame, out: Outbox) -> None:
        """Context from an agent or retriever: add it as a message, no reply."""
        await self._add_message(frame.role, frame.text, trigger=False)

    async def _add_message(self, role: str, content: str, *, trigger: bool) -> None:
        message = {"role": role, "content": content}
        await self._started().send_json(
            {"type": "add-message", "message": message, "triggerResponseEnabled": trigger}
        )

    def _started(self) -> VapiCallClient:
        if self.client is None:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, "the Vapi call node is not started", node=self.name)
        return self.client


def _graph_format(encoding: str, rate: int | None, chunk_ms: int, name: str | None) -> AudioFormat:
    """The node's audio format on the graph side (s16 mono at the socket's rate).

    Raises:
        VoiceError: (invalid_config) an unknown encoding, a rate under 8000, a chunk under 1 ms.
    """
    if encoding not in ("pcm_s16le", "mulaw"):
        raise VoiceError(ErrorCode.INVALID_CONFIG, "vapi_call: audio_format is pcm_s16le or mulaw", node=name)
    rate = rate or (8000 if encoding == "mulaw" else 16000)
    if rate < 8000 or chunk_ms <= 0:
        raise VoiceError(ErrorCode.INVALID_CONFIG, "vapi_call: sample_rate >= 8000, chunk_ms > 0", node=name)
    return AudioFormat(rate, 1, SampleFormat.S16)


def _call_body(
    assistant_id: str | None,
    assistant: Mapping[str, Any] | None,
    overrides: Mapping[str, Any] | None,
    encoding: str,
    rate: int,
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The `POST /call` body for a WebSocket-transport call (protocol notes §2)."""
    body: dict[str, Any] = dict(extra or {})
    if assistant_id:
        body["assistantId"] = assistant_id
    else:
        body["assistant"] = dict(assistant or {})
    if overrides:
        body["assistantOverrides"] = dict(overrides)
    audio = {"format": encoding, "container": "raw", "sampleRate": rate}
    body["transport"] = {"provider": "vapi.websocket", "audioFormat": audio}
    return body
