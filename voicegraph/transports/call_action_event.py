"""The client-facing form of a call action: one JSON event, `end_call` or `transfer_call`."""

from __future__ import annotations

from voicegraph.framework.frames.call import CallActionFrame, TransferCallFrame


def call_action_event(frame: CallActionFrame) -> dict[str, str]:
    """`{"type": "end_call", "reason": ...}` or `{"type": "transfer_call", "target": ..., "reason": ...}`."""
    if isinstance(frame, TransferCallFrame):
        return {"type": "transfer_call", "target": frame.target, "reason": frame.reason}
    return {"type": "end_call", "reason": frame.reason}


def call_action_close_reason(frame: CallActionFrame | None) -> str:
    """The WebSocket close reason of a session that ended (`call_action`: why, if a call action)."""
    if frame is None:
        return "session ended"
    return "call transferred" if isinstance(frame, TransferCallFrame) else "call ended"
