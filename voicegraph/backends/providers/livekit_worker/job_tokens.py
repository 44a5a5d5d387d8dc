"""JobTokens: the agent joins a dispatched room with the token the server minted for the job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.transports.livekit.token_issuer import TokenIssuer

if TYPE_CHECKING:
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig


class JobTokens(TokenIssuer):
    """A `TokenIssuer` whose agent tokens are the job assignments' tokens, by room.

    livekit-server mints the agent's token in each `JobAssignment` (identity and name
    from the worker's availability answer, grants from its registration); the room
    session code asks its issuer for an agent token, so it gets that one. A room with no
    assignment falls back to a self-signed agent token (needs the API secret).
    """

    def __init__(self, config: LiveKitConfig) -> None:
        super().__init__(config)
        self.assigned: dict[str, str] = {}
        """Assignment token by room name."""

    async def agent_token(self, room: str) -> str:
        """The assignment's token for `room`, else a signed agent token."""
        token = self.assigned.get(room)
        return token if token is not None else await super().agent_token(room)
