"""One call on the fake Vapi WebSocket transport: an echo assistant with real speech.

The caller's audio (binary PCM) goes through an energy VAD; each utterance is
transcribed by PocketSphinx (a real engine) and the assistant answers by playing the
caller's own utterance back (so its audio is real speech), paced in real time, with the
JSON messages Vapi sends on the socket around it. An inline assistant with a custom-llm
model or a server URL is wired as Vapi wires it (see `AssistantWiring`): the reply comes
from the custom LLM and is spoken with eSpeak; statuses and the end-of-call report go to
the server URL. `say` speaks eSpeak audio. Talking
over the assistant stops it (`user-interrupted`), like Vapi's own barge-in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tests.fakes.realtime_vad import FakeEnergyVAD
from tests.fakes.vapi_assistant_wiring import AssistantWiring
from tests.speech import synthesize
from voicegraph.framework.pcm import mulaw_decode, mulaw_encode

if TYPE_CHECKING:
    from aiohttp import web

FRAME_MS = 20


def transcribe(pcm: np.ndarray[Any, np.dtype[np.int16]], rate: int) -> str:
    """PocketSphinx on one utterance (resampled to 16 kHz)."""
    from tests.speech import _resample
    from voicegraph.processors.stt.pocketsphinx_engine import PocketSphinxEngine

    engine = PocketSphinxEngine()
    engine.begin(np.zeros(0, np.int16))
    engine.feed(_resample(pcm, rate, 16000))
    text = engine.end().text
    engine.close()
    return text


@dataclass
class FakeCallSession:
    """State and behaviour of one fake call's transport socket."""

    call: dict[str, Any]
    rate: int
    pace: float = 1.0
    """Playback speed of the assistant's audio (1.0: real time)."""
    first_message: str = ""
    encoding: str = "pcm_s16le"
    """`pcm_s16le` or `mulaw` on the socket (audio_in/audio_out hold PCM either way)."""
    received: list[dict[str, Any]] = field(default_factory=list)
    """JSON control messages the client sent."""
    sent: list[dict[str, Any]] = field(default_factory=list)
    """JSON messages this fake sent."""
    audio_in: bytearray = field(default_factory=bytearray)
    audio_out: bytearray = field(default_factory=bytearray)
    messages: list[dict[str, Any]] = field(default_factory=list)
    """The conversation (OpenAI-style roles)."""
    interruptions: int = 0
    ended_reason: str = ""
    _ws: web.WebSocketResponse | None = None
    _speaking: asyncio.Task[None] | None = None
    _turn: int = 0
    _vad: FakeEnergyVAD | None = None
    _utt_start: int | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    wiring: AssistantWiring | None = None
    """The assistant's custom LLM and server URL (None: the echo assistant)."""

    async def run(self, ws: web.WebSocketResponse) -> None:
        """Serve the socket until either side ends the call."""
        from aiohttp import WSMsgType

        self._ws = ws
        self._vad = FakeEnergyVAD(self.rate, {"silence_duration_ms": 500, "prefix_padding_ms": 100})
        self.call["status"] = "in-progress"
        self.wiring = AssistantWiring.of(self.call)
        await self.send({"type": "status-update", "status": "in-progress"})
        if self.wiring is not None:
            await self.wiring.post({"type": "status-update", "status": "in-progress"})
        if self.first_message:
            self._speak(synthesize(self.first_message, rate=self.rate), self.first_message)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.BINARY:
                    await self._audio(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    await self._control(msg.data)
                if self.ended_reason:
                    break
        finally:
            await self._stop_speaking()
            for task in list(self._tasks):
                task.cancel()
            if not self.ended_reason:
                self.ended_reason = "customer-ended-call"
            self.call["status"], self.call["endedReason"] = "ended", self.ended_reason
            if self.wiring is not None:
                await self.wiring.report(self.messages, self.ended_reason)

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message (ignored once the socket closed)."""
        self.sent.append(message)
        ws = self._ws
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError):
                await ws.send_str(json.dumps(message))

    async def end(self, reason: str) -> None:
        """End the call from Vapi's side: status-update ended, then close."""
        self.ended_reason = reason
        await self.send({"type": "status-update", "status": "ended", "endedReason": reason})
        if self._ws is not None:
            await self._ws.close()

    # -- caller audio -----------------------------------------------------------------------
    async def _audio(self, data: bytes) -> None:
        assert self._vad is not None
        if self.encoding == "mulaw":
            data = mulaw_decode(data).astype("<i2").tobytes()
        self.audio_in += data
        for event in self._vad.feed(np.frombuffer(data[: len(data) // 2 * 2], "<i2")):
            pos = event.ms * self.rate // 1000 * 2
            if event.kind == "started":
                self._utt_start = pos
                await self._user_started()
            elif self._utt_start is not None:
                pcm = np.frombuffer(bytes(self.audio_in[self._utt_start : pos]), "<i2")
                self._utt_start = None
                await self.send(
                    {"type": "speech-update", "status": "stopped", "role": "user", "turn": self._turn}
                )
                task = asyncio.get_running_loop().create_task(self._answer(pcm))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _user_started(self) -> None:
        if self._speaking is not None and not self._speaking.done():
            self.interruptions += 1
            await self._stop_speaking()
            await self.send({"type": "user-interrupted", "turnId": str(self._turn)})
            await self._assistant_update("stopped")
        await self.send({"type": "speech-update", "status": "started", "role": "user", "turn": self._turn})

    async def _answer(self, pcm: np.ndarray[Any, np.dtype[np.int16]]) -> None:
        text = await asyncio.to_thread(transcribe, pcm, self.rate)
        await self.send({"type": "transcript", "role": "user", "transcriptType": "final", "transcript": text})
        self.messages.append({"role": "user", "content": text})
        await self._conversation_update()
        if self.wiring is not None and self.wiring.has_llm:
            reply = await self.wiring.reply(self.messages)
            await self.send(
                {"type": "model-output", "output": {"content": reply}, "turnId": str(self._turn + 1)}
            )
            self._speak(synthesize(reply or "Sorry.", rate=self.rate), reply)
            return
        await self.send({"type": "model-output", "output": {"content": text}, "turnId": str(self._turn + 1)})
        self._speak(pcm, text)

    # -- assistant speech -------------------------------------------------------------------
    def _speak(self, pcm: np.ndarray[Any, np.dtype[np.int16]], text: str, *, end_after: bool = False) -> None:
        previous = self._speaking
        self._speaking = asyncio.get_running_loop().create_task(self._play(pcm, text, previous, end_after))

    async def _play(
        self,
        pcm: np.ndarray[Any, np.dtype[np.int16]],
        text: str,
        previous: asyncio.Task[None] | None,
        end_after: bool,
    ) -> None:
        if previous is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await previous
        self._turn += 1
        await self._assistant_update("started")
        data, step = pcm.astype("<i2").tobytes(), self.rate * FRAME_MS // 1000 * 2
        t0 = time.monotonic()
        for i in range(0, len(data), step):
            if self._ws is None or self._ws.closed:
                return
            piece = data[i : i + step]
            await self._ws.send_bytes(
                mulaw_encode(np.frombuffer(piece, "<i2")) if self.encoding == "mulaw" else piece
            )
            self.audio_out += data[i : i + step]
            ahead = t0 + (i + step) / 2 / self.rate / self.pace - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        await self.send(
            {"type": "transcript", "role": "assistant", "transcriptType": "final", "transcript": text}
        )
        self.messages.append({"role": "assistant", "content": text})
        await self._assistant_update("stopped")
        await self._conversation_update()
        if end_after:
            await self.end("assistant-ended-call")

    async def _assistant_update(self, status: str) -> None:
        await self.send({"type": "speech-update", "status": status, "role": "assistant", "turn": self._turn})

    async def _stop_speaking(self) -> None:
        task, self._speaking = self._speaking, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _conversation_update(self) -> None:
        await self.send(
            {"type": "conversation-update", "messages": [], "messagesOpenAIFormatted": self.messages}
        )

    # -- control ----------------------------------------------------------------------------
    async def _control(self, text: str) -> None:
        message = json.loads(text)
        self.received.append(message)
        await self.control(message)

    async def control(self, message: dict[str, Any]) -> None:
        """Live call control (socket or `controlUrl`): hangup, end-call, say, add-message."""
        kind = message.get("type")
        if kind in ("hangup", "end-call"):
            await self.end("customer-ended-call")
        elif kind == "say":
            content = str(message.get("content", ""))
            self._speak(
                synthesize(content, rate=self.rate),
                content,
                end_after=bool(message.get("endCallAfterSpoken")),
            )
        elif kind == "add-message":
            self.messages.append(dict(message.get("message") or {}))
            await self._conversation_update()
            if message.get("triggerResponseEnabled"):
                reply = "Noted."
                self._speak(synthesize(reply, rate=self.rate), reply)
