"""message_size: how much of a budget a chat message uses, in characters."""

from __future__ import annotations

import json
from typing import Any

from voicegraph.processors.context.message_content import content_text, has_audio

MESSAGE_OVERHEAD = 16
"""Characters charged per message for its role and framing."""
AUDIO_CHARS = 400
"""Characters charged for an audio part (providers bill audio separately; this keeps it counted)."""


def message_size(message: dict[str, Any]) -> int:
    """Characters of text a message carries: content, tool-call arguments, plus overhead."""
    size = MESSAGE_OVERHEAD + len(content_text(message))
    calls = message.get("tool_calls")
    if calls:
        size += len(json.dumps(calls, ensure_ascii=False))
    if has_audio(message):
        size += AUDIO_CHARS
    return size
