"""Shared helpers for backend tests: light graphs, a memory backend, reading replies."""

from __future__ import annotations

import asyncio
from typing import Any

from voicegraph.backends.backend import Backend
from voicegraph.backends.providers import register_builtin
from voicegraph.backends.providers.memory import MemoryProvider, MemoryServer
from voicegraph.framework import Graph
from voicegraph.framework.frames import LLMResponseEndFrame, LLMTextFrame
from voicegraph.framework.frames.base import Frame
from voicegraph.processors.agent.echo_agent import EchoAgent
from voicegraph.transports.memory_transport import MemoryTransport

register_builtin()

ECHO_SPEC: dict[str, Any] = {
    "name": "echo",
    "nodes": [{"id": "agent", "type": "echo_agent", "params": {"prefix": "You said:"}}],
}
"""A light graph as a spec: the connection's input, an echo agent, the connection's output."""


def echo_graph(conn: Any) -> Graph:
    """The same light graph in Python."""
    return Graph.chain(conn.input(), EchoAgent(), conn.output(), name="echo")


def memory_backend(graph: Any = echo_graph, **kwargs: Any) -> Backend[MemoryServer]:
    """A backend with in-process clients."""
    return Backend(MemoryProvider(), graph, **kwargs)


async def read_reply(client: MemoryTransport, timeout: float = 5.0) -> tuple[str, list[Frame]]:
    """Read the client's output up to the end of the next reply; returns (reply text, frames)."""
    frames: list[Frame] = []
    words: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            frame = await client.next_output()
            frames.append(frame)
            if isinstance(frame, LLMTextFrame):
                words.append(frame.text)
            if isinstance(frame, LLMResponseEndFrame):
                return "".join(words), frames


class WSClient:
    """A raw-PCM protocol client (text messages only) for WebSocket backends."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.started: dict[str, Any] = {}

    @classmethod
    async def open(cls, url: str, *, resume: str = "", headers: dict[str, str] | None = None) -> WSClient:
        """Connect and send the start message; waits for `started` (or the refusal)."""
        import json

        from websockets.asyncio.client import connect

        ws = await connect(url, additional_headers=headers or {}, open_timeout=5)
        client = cls(ws)
        await ws.send(json.dumps({"type": "start", "sample_rate": 16000, "resume_token": resume}))
        client.started = json.loads(await asyncio.wait_for(ws.recv(), 5))
        return client

    @property
    def session_id(self) -> str:
        return str(self.started.get("session_id", ""))

    async def say(self, text: str) -> None:
        import json

        await self.ws.send(json.dumps({"type": "text", "text": text}))

    async def reply(self, timeout: float = 10.0) -> str:
        """Bot text up to the end of the echo agent's reply (it ends with "(turn N)")."""
        import json

        words: list[str] = []
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.ws.recv()
                if isinstance(msg, bytes):
                    continue
                obj = json.loads(msg)
                if obj.get("type") == "bot_text":
                    words.append(obj["text"])
                    if obj["text"].endswith(")"):
                        return "".join(words)
                if obj.get("type") == "error":
                    raise AssertionError(f"server error: {obj}")

    async def close(self) -> None:
        await self.ws.close()
