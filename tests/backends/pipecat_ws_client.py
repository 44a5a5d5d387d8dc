"""A Pipecat WebSocket client in Python: Pipecat's own generated protobuf (`frames_pb2`) over websockets.

Enough of what `@pipecat-ai/websocket-transport` does for in-process tests: RTVI
messages inside `MessageFrame`s, `client-ready` first, `send-text` for typed turns.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pipecat.frames.protobufs import frames_pb2 as pb2
from websockets.asyncio.client import ClientConnection, connect

PB: Any = pb2  # generated code without type information


class PipecatWSClient:
    """One Pipecat-protocol WebSocket connection."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, url: str) -> PipecatWSClient:
        """Connect and complete the RTVI handshake (client-ready, bot-ready)."""
        client = cls(await connect(url, compression=None))
        await client.send({"type": "client-ready", "id": "ready-1",
                           "data": {"version": "2.1.0", "about": {"library": "tests"}}})  # fmt: skip
        await client.next_of("bot-ready")
        return client

    async def send(self, message: dict[str, Any]) -> None:
        """One RTVI message (the label is added)."""
        frame = PB.Frame(message=PB.MessageFrame(data=json.dumps({"label": "rtvi-ai", **message})))
        await self.ws.send(frame.SerializeToString())

    async def recv(self) -> dict[str, Any] | bytes:
        """The next RTVI message, or bot audio as bytes."""
        frame = PB.Frame.FromString(await self.ws.recv())
        if frame.WhichOneof("frame") == "audio":
            return bytes(frame.audio.audio)
        message: dict[str, Any] = json.loads(frame.message.data)
        self.received.append(message)
        return message

    async def next_of(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.recv()
                if isinstance(msg, dict) and msg.get("type") == kind:
                    return msg

    async def say(self, text: str) -> None:
        await self.send({"type": "send-text", "id": "text-1", "data": {"content": text}})

    async def reply(self, timeout: float = 10.0) -> str:
        """The bot's LLM text of one reply (`bot-llm-text` up to `bot-llm-stopped`)."""
        words: list[str] = []
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.recv()
                if not isinstance(msg, dict):
                    continue
                if msg["type"] == "bot-llm-text":
                    words.append(msg["data"]["text"])
                elif msg["type"] == "bot-llm-stopped" and words:
                    return "".join(words)
                elif msg["type"] in ("error", "error-response"):
                    raise AssertionError(f"server error: {msg}")

    async def close(self) -> None:
        await self.ws.close()
