"""One client connection of the fake realtime server: session, input buffer, VAD, responses."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import TYPE_CHECKING, Any

from tests.fakes.realtime_conversation import FakeConversation, FakeItem, new_id
from tests.fakes.realtime_input_buffer import FakeInputBuffer
from tests.fakes.realtime_responder import FakeResponder, FakeResponse, event_name
from tests.fakes.realtime_session_rules import MODELS, FakeRealtimeError, FakeSession, apply_update

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from websockets.asyncio.server import ServerConnection

    from tests.fakes.openai_realtime_server import FakeRealtimeServer

_MIN_COMMIT_MS = 100


class FakeConnection:
    """Handles one socket: dispatches client events, keeps the session and conversation."""

    def __init__(
        self, server: FakeRealtimeServer, ws: ServerConnection, *, index: int, model: str, beta: bool
    ) -> None:
        self.server, self.ws, self.index = server, ws, index
        self.session = FakeSession(beta=beta, model=model)
        self.conversation = FakeConversation()
        self.input = FakeInputBuffer(self.session)
        self.active: FakeResponse | None = None
        self.closed = False
        self.sent_types: list[str] = []
        self.speech_end_ms: list[int] = []
        """Where the VAD heard each utterance end (ms into the session's input)."""
        self._ids = itertools.count(1)
        self._speech_item = ""
        self._task: asyncio.Task[None] | None = None
        self._answer_next = False
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "session.update": self._session_update,
            "input_audio_buffer.append": self._append,
            "input_audio_buffer.commit": self._commit,
            "input_audio_buffer.clear": self._clear,
            "response.create": self._response_create,
            "response.cancel": self._response_cancel,
            "conversation.item.create": self._item_create,
            "conversation.item.truncate": self._item_truncate,
            "conversation.item.delete": self._item_delete,
        }

    # -- socket ---------------------------------------------------------------------------
    async def send(self, event: dict[str, Any]) -> None:
        """Send one server event (with a fresh `event_id`)."""
        if self.closed:
            return
        self.sent_types.append(str(event["type"]))
        from websockets.exceptions import ConnectionClosed

        try:
            await self.ws.send(json.dumps({"event_id": f"event_{self.index}_{next(self._ids)}", **event}))
        except ConnectionClosed:
            self.closed = True

    async def send_raw(self, message: str | bytes) -> None:
        """Send a message as is."""
        await self.ws.send(message)

    async def error(self, err: FakeRealtimeError, event_id: str = "") -> None:
        """An `error` event."""
        await self.send({"type": "error", "error": err.payload(event_id)})

    async def run(self) -> None:
        """Serve until the client goes."""
        from websockets.exceptions import ConnectionClosed

        await self.send({"type": "session.created", "session": self.session.view()})
        try:
            async for message in self.ws:
                await self._handle(message)
        except ConnectionClosed:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Forget the connection (cancels a response in progress)."""
        self.closed = True
        if self._task is not None:
            self._task.cancel()

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake."""
        self.closed = True
        self.ws.transport.abort()

    async def _handle(self, message: str | bytes) -> None:
        if len(message) > self.server.max_event_bytes:
            size = f"{len(message)} bytes exceeds the maximum of {self.server.max_event_bytes}"
            await self.error(FakeRealtimeError("invalid_request_error", f"Event too large: {size}."))
            return
        try:
            event = json.loads(message)
        except ValueError:
            await self.error(FakeRealtimeError("invalid_json", "The message is not valid JSON."))
            return
        if not isinstance(event, dict):
            await self.error(FakeRealtimeError("invalid_type", "An event must be a JSON object."))
            return
        self.server.record(self, event)
        event_id = str(event.get("event_id") or "")
        handler = self._handlers.get(str(event.get("type")))
        try:
            if handler is None:
                raise FakeRealtimeError("invalid_value", f"Invalid value: '{event.get('type')}'.", "type")
            await handler(event)
        except FakeRealtimeError as err:
            await self.error(err, event_id)

    # -- session and input audio ----------------------------------------------------------
    async def _session_update(self, event: dict[str, Any]) -> None:
        apply_update(self.session, event.get("session"))
        await self.send({"type": "session.updated", "session": self.session.view()})

    async def _append(self, event: dict[str, Any]) -> None:
        for vad_event in self.input.append(event.get("audio")):
            if vad_event.kind == "started":
                await self._speech_started(vad_event.ms)
            else:
                await self._speech_stopped(vad_event.ms)

    async def _speech_started(self, ms: int) -> None:
        td = self.session.turn_detection or {}
        if self.active is not None and td.get("interrupt_response", True):
            self._cancel(self.active, "turn_detected")
        self._speech_item = new_id("item")
        await self.send(
            {"type": "input_audio_buffer.speech_started", "audio_start_ms": ms, "item_id": self._speech_item}
        )

    async def _speech_stopped(self, ms: int) -> None:
        td = self.session.turn_detection or {}
        item_id = self._speech_item or new_id("item")
        self.speech_end_ms.append(ms)
        await self.send({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": ms, "item_id": item_id})
        await self._commit_buffer(item_id)
        if td.get("create_response", True):
            if self.active is None:
                self._start_response("")
            else:  # the cut-off reply is still winding down: answer right after it
                self._answer_next = True

    async def _commit(self, event: dict[str, Any]) -> None:
        ms = self.input.ms
        if ms < _MIN_COMMIT_MS:
            msg = (
                "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
                f"but buffer only has {ms}ms of audio."
            )
            raise FakeRealtimeError("input_audio_buffer_commit_empty", msg, "")
        await self._commit_buffer(new_id("item"))

    async def _commit_buffer(self, item_id: str) -> None:
        ms = self.input.take()
        previous = self.conversation.last()
        item = self.conversation.add(FakeItem(item_id, "message", role="user", audio_ms=ms))
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "item_id": item_id,
                "previous_item_id": previous.id if previous else None,
            }
        )
        await self._item_added(item)
        if self.session.transcription:
            transcript = self.server.script.turn(self.conversation.user_turns - 1).transcript
            item.text = transcript
            for word in transcript.split(" "):
                if word:
                    delta = {
                        "type": "conversation.item.input_audio_transcription.delta",
                        "item_id": item_id,
                        "content_index": 0,
                        "delta": word + " ",
                    }
                    await self.send(delta)
            done = {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id,
                "content_index": 0,
                "transcript": transcript,
            }
            await self.send(done)

    async def _clear(self, event: dict[str, Any]) -> None:
        self.input.take()
        await self.send({"type": "input_audio_buffer.cleared"})

    async def _item_added(self, item: FakeItem) -> None:
        view = item.view(beta=self.session.beta)
        await self.send({"type": event_name("conversation.item.added", beta=self.session.beta), "item": view})
        if not self.session.beta:
            await self.send({"type": "conversation.item.done", "item": view})

    # -- responses and conversation -------------------------------------------------------
    async def _response_create(self, event: dict[str, Any]) -> None:
        if self.active is not None:
            msg = (
                f"Conversation already has an active response in progress: {self.active.id}. "
                "Wait until the response is finished before creating a new one."
            )
            raise FakeRealtimeError("conversation_already_has_active_response", msg, "")
        options = event.get("response") or {}
        self._start_response(str(options.get("instructions") or ""))

    def _start_response(self, instructions: str) -> None:
        resp = FakeResponse(id=new_id("resp"), created_ns=_now(), instructions=instructions)
        self.active = resp
        self.server.responses.append(resp)
        responder = FakeResponder(
            self.send, self.session, self.conversation, self.server.script, self.server.pacing
        )
        known = self.session.model in MODELS or self.session.model.startswith(("gpt-realtime", "gpt-4o"))
        self._task = asyncio.get_running_loop().create_task(self._run_response(responder, resp, known))

    async def _run_response(self, responder: FakeResponder, resp: FakeResponse, known: bool) -> None:
        try:
            await responder.run(resp, known)
        finally:
            if self.active is resp:
                self.active = None
        if self._answer_next and not self.closed:
            self._answer_next = False
            self._start_response("")

    async def _response_cancel(self, event: dict[str, Any]) -> None:
        active = self.active
        wanted = event.get("response_id")
        if active is None or (wanted and wanted != active.id):
            raise FakeRealtimeError(
                "response_cancel_not_active", "Cancellation failed: no active response found.", ""
            )
        self._cancel(active, "client_cancelled")

    def _cancel(self, resp: FakeResponse, reason: str) -> None:
        resp.cancelled, resp.reason = True, reason

    async def _item_create(self, event: dict[str, Any]) -> None:
        item = self.conversation.add_client_item(event.get("item"), beta=self.session.beta)
        await self._item_added(item)

    async def _item_truncate(self, event: dict[str, Any]) -> None:
        item = self.conversation.truncate(
            event.get("item_id"), event.get("content_index"), event.get("audio_end_ms")
        )
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item.id,
                "content_index": 0,
                "audio_end_ms": item.audio_ms,
            }
        )

    async def _item_delete(self, event: dict[str, Any]) -> None:
        item_id = event.get("item_id")
        if not isinstance(item_id, str) or self.conversation.items.pop(item_id, None) is None:
            raise FakeRealtimeError("invalid_value", f"Item '{item_id}' not found.", "item_id")
        await self.send({"type": "conversation.item.deleted", "item_id": item_id})


def _now() -> int:
    return time.monotonic_ns()
