"""AgentDispatchService and RoomService requests of the job ledger: dispatch a room again."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig

log = logging.getLogger("voicegraph.livekit_worker")


async def create_dispatch(config: LiveKitConfig, room: str, agent_name: str, metadata: str = "") -> str:
    """Ask the server to dispatch agent `agent_name` to `room` (AgentDispatchService); its id.

    Raises:
        VoiceError: (connection_failed) the server refused or did not answer.
    """
    from livekit import api

    lk = api.LiveKitAPI(config.http_url, config.api_key, config.secret())
    try:
        req = api.CreateAgentDispatchRequest(agent_name=agent_name, room=room, metadata=metadata)
        dispatch = await lk.agent_dispatch.create_dispatch(req)
    except Exception as exc:
        raise VoiceError(ErrorCode.CONNECTION_FAILED, f"CreateDispatch for {room!r}: {exc}") from None
    finally:
        await lk.aclose()
    return str(dispatch.id)


async def remove_ghost(config: LiveKitConfig, room: str, identity: str) -> None:
    """Remove a dead agent's participant from `room` now (best effort: it may be gone)."""
    from voicegraph.transports.livekit.room_admin import RoomAdmin

    admin = RoomAdmin(config)
    try:
        await admin.remove_participant(room, identity)
    except VoiceError as err:
        log.info("job ledger: %s in %s: %s", identity, room, err)
    finally:
        await admin.aclose()
