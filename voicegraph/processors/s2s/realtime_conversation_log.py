"""RealtimeConversationLog: the conversation kept on our side, to replay after a reconnect."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from voicegraph.processors.s2s.realtime_client_events import (
    function_call_item,
    function_output_item,
    message_item,
)


@dataclass(slots=True)
class _Entry:
    item_id: str
    message: dict[str, Any]


class RealtimeConversationLog:
    """The realtime conversation as OpenAI chat messages, updated as the provider reports it.

    I/O-free. User lines come from input transcription, bot lines from the audio
    transcript (cut to the part heard after a barge-in), context the graph added, and
    tool calls with their outputs. `replay_items()` renders them as conversation items
    for a new provider session (a dropped socket loses the provider's memory);
    `export_conversation()`/`import_conversation()` carry it across a session resume.
    User turns without a transcript cannot be replayed (no text to send).

    Args:
        max_messages: most messages kept (oldest go first).
    """

    def __init__(self, *, max_messages: int = 200) -> None:
        self.max_messages = max_messages
        self._entries: deque[_Entry] = deque()
        self._by_item: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The conversation so far (chat messages, oldest first)."""
        return [dict(e.message) for e in self._entries if _has_content(e.message)]

    def add(self, role: str, text: str, *, item_id: str = "") -> None:
        """A message with known text (context, or a resumed session's line)."""
        self._append(item_id, {"role": role, "content": text})

    def user_item(self, item_id: str) -> None:
        """A user item was committed; its transcript may follow."""
        if item_id not in self._by_item:
            self._append(item_id, {"role": "user", "content": ""})

    def set_text(self, item_id: str, text: str, *, role: str = "user") -> None:
        """The whole text of an item (a user transcript, a bot transcript)."""
        entry = self._by_item.get(item_id)
        if entry is None:
            self._append(item_id, {"role": role, "content": text})
        else:
            entry.message["content"] = text

    def add_text(self, item_id: str, delta: str) -> None:
        """More of an assistant item's transcript."""
        entry = self._by_item.get(item_id)
        if entry is None:
            self._append(item_id, {"role": "assistant", "content": delta})
        else:
            entry.message["content"] = (entry.message.get("content") or "") + delta

    def truncate(self, item_id: str, fraction: float, heard: str = "") -> str:
        """Keep only what the user heard of an assistant item; returns the kept text.

        `heard` (the output's played words) wins; otherwise the first `fraction` of the
        words is kept.
        """
        entry = self._by_item.get(item_id)
        if entry is None:
            return heard
        text = heard or _first_words(str(entry.message.get("content") or ""), fraction)
        entry.message["content"] = text
        return text

    def tool_call(self, call_id: str, name: str, arguments: str) -> None:
        """The model called a tool."""
        call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        self._append(f"call:{call_id}", {"role": "assistant", "content": None, "tool_calls": [call]})

    def tool_output(self, call_id: str, output: str) -> None:
        """A tool's result went back to the model."""
        self._append(f"out:{call_id}", {"role": "tool", "tool_call_id": call_id, "content": output})

    def replay_items(self, *, beta: bool = False) -> list[dict[str, Any]]:
        """The conversation as items for `conversation.item.create`, oldest first."""
        items: list[dict[str, Any]] = []
        for message in self.messages:
            role = message["role"]
            if role == "tool":
                items.append(function_output_item(message["tool_call_id"], str(message["content"])))
            elif message.get("tool_calls"):
                for call in message["tool_calls"]:
                    fn = call["function"]
                    items.append(function_call_item(call["id"], fn["name"], fn["arguments"]))
            else:
                items.append(message_item(role, str(message["content"]), beta=beta))
        return items

    def export_conversation(self) -> dict[str, Any]:
        """`{"messages": [...]}` for session persistence."""
        return {"messages": self.messages}

    def import_conversation(self, state: dict[str, Any]) -> None:
        """Continue from an exported conversation (replaces what is here)."""
        self._entries.clear()
        self._by_item.clear()
        for message in state.get("messages", ()):
            if isinstance(message, dict) and message.get("role") in ("user", "assistant", "system", "tool"):
                self._append("", dict(message))

    def _append(self, item_id: str, message: dict[str, Any]) -> None:
        entry = _Entry(item_id, message)
        self._entries.append(entry)
        if item_id:
            self._by_item[item_id] = entry
        while len(self._entries) > self.max_messages:
            old = self._entries.popleft()
            if self._by_item.get(old.item_id) is old:
                del self._by_item[old.item_id]


def _has_content(message: dict[str, Any]) -> bool:
    return bool(message.get("content")) or bool(message.get("tool_calls"))


def _first_words(text: str, fraction: float) -> str:
    words = text.split()
    keep = round(len(words) * min(1.0, max(0.0, fraction)))
    return " ".join(words[:keep])
