"""Streams the fake realtime server's responses: real synthesized speech, tool calls, cancels."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tests.fakes.realtime_conversation import FakeItem, new_id
from tests.speech import synthesize
from voicegraph.framework.pcm import alaw_encode, mulaw_encode

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tests.fakes.realtime_conversation import FakeConversation
    from tests.fakes.realtime_script import RealtimeScript
    from tests.fakes.realtime_session_rules import FakeSession

_BETA = {
    "response.output_audio.delta": "response.audio.delta",
    "response.output_audio.done": "response.audio.done",
    "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    "response.output_audio_transcript.done": "response.audio_transcript.done",
    "response.output_text.delta": "response.text.delta",
    "response.output_text.done": "response.text.done",
    "conversation.item.added": "conversation.item.created",
}


def event_name(name: str, *, beta: bool) -> str:
    """The GA event name, or its beta spelling."""
    return _BETA.get(name, name) if beta else name


@dataclass
class FakeResponse:
    """One response the fake produced, for tests and benchmarks to inspect."""

    id: str
    created_ns: int
    instructions: str = ""
    kind: str = ""
    """`audio`, `text`, `tool` or `failed`."""
    text: str = ""
    item_id: str = ""
    status: str = "in_progress"
    reason: str = ""
    audio_ms_sent: int = 0
    first_delta_ns: int | None = None
    delta_times: list[tuple[int, int]] = field(default_factory=list)
    """(send time ns, bytes) of each audio delta."""
    audio: bytearray = field(default_factory=bytearray)
    """The audio sent, in the session's output format."""
    cancelled: bool = False


@dataclass(frozen=True)
class Pacing:
    """How fast the fake speaks: delay to the first delta, delta size, speed (x real time, 0: burst)."""

    first_delay_s: float = 0.05
    delta_ms: int = 40
    speed: float = 8.0
    engine: str = "espeak"


class FakeResponder:
    """Produces one response at a time over a connection's `send`."""

    def __init__(
        self,
        send: Callable[[dict[str, Any]], Awaitable[None]],
        session: FakeSession,
        conversation: FakeConversation,
        script: RealtimeScript,
        pacing: Pacing,
    ) -> None:
        self._send, self._session, self._conv = send, session, conversation
        self._script, self._pacing = script, pacing

    async def run(self, resp: FakeResponse, known_model: bool) -> None:
        """Stream `resp` to its end (completed, cancelled or failed)."""
        await self._send({"type": "response.created", "response": _response_view(resp, [])})
        if not known_model:
            resp.kind, resp.status = "failed", "failed"
            error = {
                "type": "invalid_request_error", "code": "model_not_found",
                "message": f"The model `{self._session.model}` does not exist or you do not have access.",
            }  # fmt: skip
            await self._done(resp, [], {"type": "failed", "error": error})
            return
        await asyncio.sleep(self._pacing.first_delay_s)
        turn = self._script.turn(self._conv.user_turns - 1)
        last = self._conv.last()
        if last is not None and last.type == "function_call_output":
            await self._speak(resp, turn.reply_after_tool(last.output))
        elif turn.tool_call is not None:
            await self._call(resp, *turn.tool_call)
        else:
            await self._speak(resp, turn.reply)

    async def _done(
        self, resp: FakeResponse, output: list[dict[str, Any]], details: dict[str, Any] | None
    ) -> None:
        view = _response_view(resp, output)
        view["status_details"] = details
        await self._send({"type": "response.done", "response": view})

    async def _added(self, resp: FakeResponse, item: FakeItem) -> None:
        beta = self._session.beta
        view = item.view(beta=beta)
        await self._send(
            {"type": "response.output_item.added", "response_id": resp.id, "output_index": 0, "item": view}
        )
        await self._send({"type": event_name("conversation.item.added", beta=beta), "item": view})

    async def _call(self, resp: FakeResponse, name: str, arguments: str) -> None:
        resp.kind = "tool"
        item = self._conv.add(FakeItem(new_id("item"), "function_call", call_id=new_id("call"), name=name))
        item.status, resp.item_id = "in_progress", item.id
        await self._added(resp, item)
        where = {"response_id": resp.id, "item_id": item.id, "output_index": 0, "call_id": item.call_id}
        third = max(1, len(arguments) // 3)
        for i in range(0, len(arguments), third):
            await self._send(
                {"type": "response.function_call_arguments.delta", **where, "delta": arguments[i : i + third]}
            )
        item.arguments, item.status = arguments, "completed"
        await self._send(
            {"type": "response.function_call_arguments.done", **where, "name": name, "arguments": arguments}
        )
        await self._send(
            {
                "type": "response.output_item.done",
                "response_id": resp.id,
                "output_index": 0,
                "item": item.view(beta=self._session.beta),
            }
        )
        resp.status = "completed"
        await self._done(resp, [item.view(beta=self._session.beta)], None)

    async def _speak(self, resp: FakeResponse, text: str) -> None:
        item = self._conv.add(
            FakeItem(new_id("item"), "message", role="assistant", text=text, status="in_progress")
        )
        resp.item_id, resp.text = item.id, text
        await self._added(resp, item)
        if self._session.output_modalities == ["text"]:
            await self._stream_text(resp, item, text)
        else:
            await self._stream_audio(resp, item, text)
        await self._finish(resp, item)

    async def _stream_text(self, resp: FakeResponse, item: FakeItem, text: str) -> None:
        resp.kind = "text"
        where = {"response_id": resp.id, "item_id": item.id, "output_index": 0, "content_index": 0}
        beta = self._session.beta
        for word in _words(text):
            if resp.cancelled:
                return
            await self._send(
                {"type": event_name("response.output_text.delta", beta=beta), **where, "delta": word}
            )
            await asyncio.sleep(0)
        await self._send({"type": event_name("response.output_text.done", beta=beta), **where, "text": text})

    async def _stream_audio(self, resp: FakeResponse, item: FakeItem, text: str) -> None:
        resp.kind = "audio"
        self._session.spoke = True
        beta, fmt = self._session.beta, self._session.output_format
        rate, width = (24000, 2) if fmt == "pcm" else (8000, 1)
        audio = _encode(await asyncio.to_thread(synthesize, text, engine=self._pacing.engine, rate=rate), fmt)
        where = {"response_id": resp.id, "item_id": item.id, "output_index": 0, "content_index": 0}
        part = {"type": "audio" if beta else "output_audio", "transcript": ""}
        await self._send({"type": "response.content_part.added", **where, "part": part})
        step = rate * self._pacing.delta_ms // 1000 * width
        chunks = [audio[i : i + step] for i in range(0, len(audio), step)]
        words = _words(text)
        sent_bytes, next_word = 0, 0
        for k, chunk in enumerate(chunks):
            if resp.cancelled:
                return
            while next_word < len(words) and next_word * len(chunks) <= k * len(words):
                delta = {
                    "type": event_name("response.output_audio_transcript.delta", beta=beta),
                    **where,
                    "delta": words[next_word],
                }
                await self._send(delta)
                next_word += 1
            now = time.monotonic_ns()
            resp.first_delta_ns = resp.first_delta_ns or now
            resp.delta_times.append((now, len(chunk)))
            await self._send(
                {"type": event_name("response.output_audio.delta", beta=beta), **where, "delta": _b64(chunk)}
            )
            sent_bytes += len(chunk)
            resp.audio += chunk
            item.audio_ms = resp.audio_ms_sent = sent_bytes * 1000 // (rate * width)
            if self._pacing.speed > 0:
                await asyncio.sleep(self._pacing.delta_ms / 1000 / self._pacing.speed)
            else:
                await asyncio.sleep(0)
        await self._send({"type": event_name("response.output_audio.done", beta=beta), **where})
        done = event_name("response.output_audio_transcript.done", beta=beta)
        await self._send({"type": done, **where, "transcript": text})
        await self._send(
            {"type": "response.content_part.done", **where, "part": {**part, "transcript": text}}
        )

    async def _finish(self, resp: FakeResponse, item: FakeItem) -> None:
        if resp.cancelled:
            item.status, resp.status = "incomplete", "cancelled"
            details: dict[str, Any] | None = {"type": "cancelled", "reason": resp.reason}
        else:
            item.status, resp.status, details = "completed", "completed", None
        view = item.view(beta=self._session.beta)
        await self._send(
            {"type": "response.output_item.done", "response_id": resp.id, "output_index": 0, "item": view}
        )
        if not self._session.beta:
            await self._send({"type": "conversation.item.done", "item": view})
        await self._done(resp, [view], details)


def _response_view(resp: FakeResponse, output: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "object": "realtime.response",
        "id": resp.id,
        "status": resp.status,
        "output": output,
        "status_details": None,
    }


def _words(text: str) -> list[str]:
    parts = text.split(" ")
    return [p + (" " if i < len(parts) - 1 else "") for i, p in enumerate(parts)]


def _encode(pcm: np.ndarray[Any, np.dtype[np.int16]], fmt: str) -> bytes:
    if fmt == "pcmu":
        return mulaw_encode(pcm)
    if fmt == "pcma":
        return alaw_encode(pcm)
    return pcm.astype("<i2").tobytes()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def dumps(event: dict[str, Any]) -> str:
    """Compact JSON."""
    return json.dumps(event, separators=(",", ":"))
