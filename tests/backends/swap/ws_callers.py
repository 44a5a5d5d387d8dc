"""Swap callers for the providers spoken over one WebSocket: `websocket` (voicegraph's raw
PCM protocol), `pipecat` (Pipecat's protobuf frames with RTVI inside, as its websocket
transport client sends them) and `twilio` (Media Streams, mu-law 8 kHz)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
from pipecat.frames.protobufs import frames_pb2
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.fakes.twilio_client import twilio_call

from .call_result import CallResult, filed_user_text, loud, mulaw_decode
from .listening import Listener, speak_then_listen

PB: Any = frames_pb2  # generated code without type information


@contextlib.asynccontextmanager
async def _running(receiver: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Run `receiver` while the block runs; cancel it after."""
    task = asyncio.get_running_loop().create_task(receiver)
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def websocket_call(url: str) -> CallResult:
    """voicegraph's WebSocket protocol: `start`, 16 kHz PCM; transcripts come back as JSON."""
    result, listener, audio = CallResult("websocket"), Listener(), bytearray()
    async with connect(url, max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))

        async def receive() -> None:
            with contextlib.suppress(ConnectionClosed):
                async for msg in ws:
                    if isinstance(msg, bytes):
                        audio.extend(msg)
                        listener.heard(loud(msg))
                    elif (m := json.loads(msg)).get("type") == "transcript" and m.get("final", True):
                        result.user_text += " " + str(m.get("text", ""))

        async with _running(receive()):
            await speak_then_listen(ws.send, listener, 16000)
    result.bot = np.frombuffer(bytes(audio), "<i2").astype(np.int16)
    return result


async def _rtvi(ws: ClientConnection, message: dict[str, Any]) -> None:
    frame = PB.Frame(message=PB.MessageFrame(data=json.dumps({"label": "rtvi-ai", **message})))
    await ws.send(frame.SerializeToString())


async def pipecat_call(url: str) -> CallResult:
    """Pipecat's WebSocket client protocol: RTVI handshake, then audio frames both ways; the
    user's words come back as `user-transcription` (final) RTVI events."""
    result, listener, audio = CallResult("pipecat", rate=24000), Listener(), bytearray()
    ready = asyncio.Event()
    async with connect(url, compression=None, max_size=2**20) as ws:

        async def receive() -> None:
            with contextlib.suppress(ConnectionClosed):
                async for raw in ws:
                    frame = PB.Frame.FromString(raw)
                    if frame.WhichOneof("frame") == "audio":
                        result.rate = int(frame.audio.sample_rate) or result.rate
                        audio.extend(frame.audio.audio)
                        listener.heard(loud(bytes(frame.audio.audio)))
                        continue
                    msg = json.loads(frame.message.data)
                    if msg.get("type") == "bot-ready":
                        ready.set()
                    elif msg.get("type") == "user-transcription" and msg["data"].get("final"):
                        result.user_text += " " + str(msg["data"].get("text", ""))

        async def send(pcm: bytes) -> None:
            audio_frame = PB.AudioRawFrame(audio=pcm, sample_rate=16000, num_channels=1)
            await ws.send(PB.Frame(audio=audio_frame).SerializeToString())

        async with _running(receive()):
            await _rtvi(ws, {"type": "client-ready", "id": "ready-1", "data": {"version": "2.1.0"}})
            async with asyncio.timeout(15):
                await ready.wait()
            await speak_then_listen(send, listener, 16000)
    result.bot = np.frombuffer(bytes(audio), "<i2").astype(np.int16)
    return result


async def twilio_call_result(url: str, store: Path) -> CallResult:
    """A Twilio Media Streams call (mu-law 8 kHz). Twilio carries no text, so the user's
    words are read where an operator reads them: the session's record in the store."""
    result, listener = CallResult("twilio", rate=8000), Listener()
    async with twilio_call(url) as call:

        async def send(pcm: bytes) -> None:
            await call.say(pcm)
            listener.loud_at = [t for t, e in call.events if e.get("event") == "media" and _loud_media(e)]

        await speak_then_listen(send, listener, 8000, chunk_ms=200)
        result.bot = mulaw_decode(bytes(call.played)).astype(np.int16)
    result.user_text = filed_user_text(store)
    return result


def _loud_media(event: dict[str, Any]) -> bool:
    return loud(mulaw_decode(base64.b64decode(event["media"]["payload"])).astype(np.int16))
