"""json_object: decode one JSON text message of a WebSocket protocol into its object.

Shared by the serializers whose control messages are JSON objects tagged by a string
field (`type` for raw PCM and Vocode, `event` for Twilio Media Streams).
"""

from __future__ import annotations

import json
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError


def json_object(message: str | bytes, key: str, what: str = "a message") -> dict[str, Any]:
    """`message` decoded; it must be a JSON object whose `key` field is a string.

    Raises:
        VoiceError: (protocol_error) not JSON, not an object, or no string `key`.
    """
    try:
        obj = json.loads(message)
    except (ValueError, RecursionError) as exc:
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"not JSON: {exc}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get(key), str):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f'{what} is a JSON object with a string "{key}"')
    return obj
