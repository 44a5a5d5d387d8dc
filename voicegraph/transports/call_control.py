"""CallControl: what a telephony provider's API offers a session — hang up, transfer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from voicegraph.framework.frames.call import CallActionFrame


class CallControl(Protocol):
    """Carries out an `EndCallFrame`/`TransferCallFrame` on a provider's call (e.g. `TwilioCallControl`)."""

    async def perform(self, frame: CallActionFrame, call_id: str) -> None:
        """Act on call `call_id` (the provider's id, from the stream's start message).

        Raises:
            VoiceError: the provider refused or could not be reached (the session goes on).
        """
        ...
