"""PlayoutHold: lets an input-side node pause and resume the session's playout.

Issue 19 (false interruptions): when the user starts speaking over the bot, the bot
pauses at once instead of being cut; a decision node later either resumes it (a cough,
"mm-hmm") or interrupts. The output transport attaches its `pause`/`resume` here
(`StartContext.shared` under `PLAYOUT_HOLD_KEY`) when it starts; nodes call them
without importing the transport.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

PLAYOUT_HOLD_KEY = "playout_hold"
"""The key of the session's `PlayoutHold` in `StartContext.shared`."""


class PlayoutHold:
    """The session output's pause and resume (no-ops until an output attaches)."""

    def __init__(self) -> None:
        self._pause: Callable[[], None] | None = None
        self._resume: Callable[[], None] | None = None

    def attach(self, pause: Callable[[], None], resume: Callable[[], None]) -> None:
        """Called by the output on start."""
        self._pause, self._resume = pause, resume

    @property
    def attached(self) -> bool:
        """Whether an output is there to pause."""
        return self._pause is not None

    def pause(self) -> None:
        """Hold bot audio where it is (nothing is dropped)."""
        if self._pause is not None:
            self._pause()

    def resume(self) -> None:
        """Play on from where the hold began."""
        if self._resume is not None:
            self._resume()


def playout_hold(shared: dict[str, Any]) -> PlayoutHold:
    """The session's hold in `shared`, created if there is none yet."""
    hold = shared.get(PLAYOUT_HOLD_KEY)
    if not isinstance(hold, PlayoutHold):
        hold = shared[PLAYOUT_HOLD_KEY] = PlayoutHold()
    return hold
