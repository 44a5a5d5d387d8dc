"""DTMFFrame: a key the caller pressed (telephony)."""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.frames.base import SystemFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class DTMFFrame(SystemFrame):
    """A DTMF key press from the user: one of 0-9, *, #, A-D. Out of band, never dropped."""

    digit: str
