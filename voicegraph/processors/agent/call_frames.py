"""Call-control frames: a tool (or any node) asks the transport to hang up or transfer the call."""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.frames.base import ControlFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class EndCallFrame(ControlFrame):
    """Hang up once everything before this frame has played.

    In band and never dropped, so it reaches the output transport after the goodbye's
    audio; the transport ends the session when its playout has drained.
    """

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferCallFrame(ControlFrame):
    """Transfer the call to `target` (a phone number, SIP URI or queue name) once played."""

    target: str
    reason: str = ""
