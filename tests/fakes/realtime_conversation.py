"""The fake realtime server's conversation: items, their audio length, truncation rules."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from tests.fakes.realtime_session_rules import FakeRealtimeError

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    """A fresh server id like `item_12`."""
    return f"{prefix}_{next(_ids)}"


@dataclass
class FakeItem:
    """One conversation item as the fake keeps it."""

    id: str
    type: str
    role: str = ""
    text: str = ""
    """Text content, or the transcript of audio (deleted by a truncation)."""
    audio_ms: int = 0
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    output: str = ""
    status: str = "completed"
    truncated_at: int | None = None

    def view(self, *, beta: bool) -> dict[str, Any]:
        """The item as server events show it."""
        base: dict[str, Any] = {
            "id": self.id,
            "object": "realtime.item",
            "type": self.type,
            "status": self.status,
        }
        if self.type == "function_call":
            return {**base, "call_id": self.call_id, "name": self.name, "arguments": self.arguments}
        if self.type == "function_call_output":
            return {**base, "call_id": self.call_id, "output": self.output}
        if self.role == "assistant":
            part = {"type": "audio" if beta else "output_audio", "transcript": self.text}
        else:
            part = {"type": "input_text", "text": self.text}
        return {**base, "role": self.role, "content": [part]}


class FakeConversation:
    """Items in order, with the checks the real service makes on client changes."""

    def __init__(self) -> None:
        self.items: dict[str, FakeItem] = {}
        self.user_turns = 0
        """User items so far (audio commits and text messages): picks the scripted turn."""

    def last(self) -> FakeItem | None:
        """The newest item."""
        return next(reversed(self.items.values()), None)

    def add(self, item: FakeItem) -> FakeItem:
        """Append an item the server made."""
        self.items[item.id] = item
        if item.type == "message" and item.role == "user":
            self.user_turns += 1
        return item

    def add_client_item(self, raw: Any, *, beta: bool) -> FakeItem:
        """Validate and append a `conversation.item.create` item."""
        if not isinstance(raw, dict):
            raise FakeRealtimeError("invalid_type", "item must be an object", "item")
        kind = raw.get("type")
        given = raw.get("id")
        item_id = given if isinstance(given, str) and given else new_id("item")
        if kind == "message":
            role, text = _message(raw, beta)
            return self.add(FakeItem(item_id, "message", role=role, text=text))
        if kind == "function_call":
            for key in ("call_id", "name", "arguments"):
                if not isinstance(raw.get(key), str):
                    raise FakeRealtimeError(
                        "missing_required_parameter", f"Missing 'item.{key}'.", f"item.{key}"
                    )
            return self.add(
                FakeItem(item_id, kind, call_id=raw["call_id"], name=raw["name"], arguments=raw["arguments"])
            )
        if kind == "function_call_output":
            call_id, output = raw.get("call_id"), raw.get("output")
            if not isinstance(call_id, str) or not isinstance(output, str):
                raise FakeRealtimeError("missing_required_parameter", "needs call_id and output", "item")
            if not any(i.type == "function_call" and i.call_id == call_id for i in self.items.values()):
                raise FakeRealtimeError(
                    "invalid_value", f"No tool call found with call_id '{call_id}'.", "item.call_id"
                )
            return self.add(FakeItem(item_id, kind, call_id=call_id, output=output))
        raise FakeRealtimeError("invalid_value", f"Invalid value: '{kind}'.", "item.type")

    def truncate(self, item_id: Any, content_index: Any, audio_end_ms: Any) -> FakeItem:
        """Apply `conversation.item.truncate`, or raise the service's refusal."""
        item = self.items.get(item_id) if isinstance(item_id, str) else None
        if item is None:
            raise FakeRealtimeError("invalid_value", f"Item '{item_id}' not found.", "item_id")
        if item.type != "message" or item.role != "assistant":
            raise FakeRealtimeError(
                "invalid_value", "Only assistant message items can be truncated.", "item_id"
            )
        if content_index != 0:
            raise FakeRealtimeError(
                "invalid_value", "content_index must be 0 (the audio part).", "content_index"
            )
        if not isinstance(audio_end_ms, int) or isinstance(audio_end_ms, bool) or audio_end_ms < 0:
            raise FakeRealtimeError("invalid_type", "audio_end_ms must be an integer >= 0.", "audio_end_ms")
        if audio_end_ms > item.audio_ms:
            msg = f"audio_end_ms {audio_end_ms} is greater than the item's audio ({item.audio_ms} ms)."
            raise FakeRealtimeError("invalid_value", msg, "audio_end_ms")
        item.audio_ms = audio_end_ms
        item.truncated_at = audio_end_ms
        item.text = ""  # the service drops the transcript, so no unheard text stays in context
        return item


def _message(raw: dict[str, Any], beta: bool) -> tuple[str, str]:
    role = raw.get("role")
    if role not in ("user", "system", "assistant"):
        raise FakeRealtimeError("invalid_value", f"Invalid value: '{role}'.", "item.role")
    content = raw.get("content")
    if not isinstance(content, list) or not content:
        raise FakeRealtimeError("missing_required_parameter", "Missing 'item.content'.", "item.content")
    allowed = {"text", "audio"} if role == "assistant" and beta else {"output_text", "output_audio"}
    if role != "assistant":
        allowed = {"input_text", "input_audio", "input_image"}
    texts: list[str] = []
    for i, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") not in allowed:
            supported = ", ".join(sorted(allowed))
            raise FakeRealtimeError(
                "invalid_value", f"content type must be one of {supported}", f"item.content[{i}].type"
            )
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
    return str(role), " ".join(texts)
