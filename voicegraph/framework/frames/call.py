"""Call-control frames: a tool (or any node) asks the transport to hang up or transfer the call."""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.frames.base import ControlFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class CallActionFrame(ControlFrame):
    """Base of the frames that end the bot's part in a call, once what precedes them played.

    In band and never dropped (an interruption keeps control frames), so it reaches the
    output transport after the last reply's audio. The output waits until that audio
    has played, or was cut by a barge-in, then hands the frame to its medium
    (`PlayoutOutput.perform_call_action`, `Connection.perform_call_action`) and the
    session ends.
    """

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndCallFrame(CallActionFrame):
    """Hang up once everything before this frame has played."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferCallFrame(CallActionFrame):
    """Transfer the call to `target` (a phone number, SIP URI or queue name) once played."""

    target: str
