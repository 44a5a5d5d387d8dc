"""Message content helpers: text of a message, and dropping audio parts from older turns."""

from __future__ import annotations

from typing import Any


def content_text(message: dict[str, Any]) -> str:
    """The text of a message: its string content, or its text parts joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def has_audio(message: dict[str, Any]) -> bool:
    """Whether the message carries `input_audio` content parts."""
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") == "input_audio" for p in content
    )


def strip_audio(messages: list[dict[str, Any]], *, keep_turns: int) -> list[dict[str, Any]]:
    """Messages with `input_audio` parts removed from all but the last `keep_turns` audio turns.

    Audio is large (a 5 s turn is ~200 KB as base64 WAV): the model hears the newest turn,
    older turns go on as their transcript only. Messages are copied, never changed.
    """
    with_audio = [i for i, m in enumerate(messages) if has_audio(m)]
    drop = set(with_audio[: max(0, len(with_audio) - keep_turns)])
    if not drop:
        return messages
    out = []
    for i, m in enumerate(messages):
        if i in drop:
            text = content_text(m)
            m = {**m, "content": text}
        out.append(m)
    return out
