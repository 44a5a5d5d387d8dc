"""Client events of the OpenAI Realtime protocol, built as plain dicts (JSON-ready)."""

from __future__ import annotations

import base64
from typing import Any


def append_audio(audio: bytes) -> dict[str, Any]:
    """`input_audio_buffer.append`: raw audio in the session's input format, base64."""
    return {"type": "input_audio_buffer.append", "audio": base64.b64encode(audio).decode("ascii")}


def commit_audio() -> dict[str, Any]:
    """`input_audio_buffer.commit`: the buffered audio becomes a user item."""
    return {"type": "input_audio_buffer.commit"}


def clear_audio() -> dict[str, Any]:
    """`input_audio_buffer.clear`."""
    return {"type": "input_audio_buffer.clear"}


def create_response(instructions: str = "") -> dict[str, Any]:
    """`response.create`, with instructions for this reply only when given."""
    event: dict[str, Any] = {"type": "response.create"}
    if instructions:
        event["response"] = {"instructions": instructions}
    return event


def cancel_response(response_id: str = "") -> dict[str, Any]:
    """`response.cancel` (of `response_id`, else of the active response)."""
    event: dict[str, Any] = {"type": "response.cancel"}
    if response_id:
        event["response_id"] = response_id
    return event


def truncate_item(item_id: str, audio_end_ms: int) -> dict[str, Any]:
    """`conversation.item.truncate`: the assistant item was heard up to `audio_end_ms`."""
    return {
        "type": "conversation.item.truncate",
        "item_id": item_id,
        "content_index": 0,
        "audio_end_ms": max(0, int(audio_end_ms)),
    }


def create_item(item: dict[str, Any]) -> dict[str, Any]:
    """`conversation.item.create` of `item`."""
    return {"type": "conversation.item.create", "item": item}


def message_item(role: str, text: str, *, beta: bool = False) -> dict[str, Any]:
    """A text message item; assistant text is `output_text` in GA and `text` in beta."""
    if role == "assistant":
        part = "text" if beta else "output_text"
    else:
        part = "input_text"
    return {"type": "message", "role": role, "content": [{"type": part, "text": text}]}


def function_call_item(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """A `function_call` item (to replay a call the model made)."""
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments}


def function_output_item(call_id: str, output: str) -> dict[str, Any]:
    """A `function_call_output` item: a tool's result for the model."""
    return {"type": "function_call_output", "call_id": call_id, "output": output}
