"""LiveKit backend: an agent in LiveKit rooms (Cloud or self-hosted), one session per user.

`LiveKitTransport` joins rooms with the realtime SDK (`livekit`), runs one graph per
user participant (`ParticipantConnection`), issues access tokens (`TokenIssuer`, with an
auth hook) and manages rooms (`RoomAdmin`, the RoomService from `livekit-api`). The SDKs
are imported lazily; without them a coded `missing_dependency` error names the extra
`voicegraph[livekit]`.
"""

from voicegraph.transports.livekit.agent_room import AgentRoom as AgentRoom
from voicegraph.transports.livekit.agent_room import SessionRunner as SessionRunner
from voicegraph.transports.livekit.agent_track import AgentTrack as AgentTrack
from voicegraph.transports.livekit.backoff import Backoff as Backoff
from voicegraph.transports.livekit.data_message_frame import DataMessageFrame as DataMessageFrame
from voicegraph.transports.livekit.livekit_config import LiveKitConfig as LiveKitConfig
from voicegraph.transports.livekit.livekit_output import LiveKitOutput as LiveKitOutput
from voicegraph.transports.livekit.livekit_transport import LiveKitTransport as LiveKitTransport
from voicegraph.transports.livekit.participant_connection import LinkStats as LinkStats
from voicegraph.transports.livekit.participant_connection import (
    ParticipantConnection as ParticipantConnection,
)
from voicegraph.transports.livekit.participant_connection import ParticipantState as ParticipantState
from voicegraph.transports.livekit.room_admin import ParticipantSummary as ParticipantSummary
from voicegraph.transports.livekit.room_admin import RoomAdmin as RoomAdmin
from voicegraph.transports.livekit.room_admin import RoomSummary as RoomSummary
from voicegraph.transports.livekit.room_event_frame import RoomEvent as RoomEvent
from voicegraph.transports.livekit.room_event_frame import RoomEventFrame as RoomEventFrame
from voicegraph.transports.livekit.room_grants import RoomGrants as RoomGrants
from voicegraph.transports.livekit.room_link import RoomLink as RoomLink
from voicegraph.transports.livekit.room_link import RoomState as RoomState
from voicegraph.transports.livekit.token_issuer import AuthHook as AuthHook
from voicegraph.transports.livekit.token_issuer import TokenIssuer as TokenIssuer
from voicegraph.transports.livekit.token_issuer import TokenRequest as TokenRequest
from voicegraph.transports.livekit.token_issuer import VerifiedToken as VerifiedToken

__all__ = [
    "AgentRoom",
    "AgentTrack",
    "AuthHook",
    "Backoff",
    "DataMessageFrame",
    "LinkStats",
    "LiveKitConfig",
    "LiveKitOutput",
    "LiveKitTransport",
    "ParticipantConnection",
    "ParticipantState",
    "ParticipantSummary",
    "RoomAdmin",
    "RoomEvent",
    "RoomEventFrame",
    "RoomGrants",
    "RoomLink",
    "RoomState",
    "RoomSummary",
    "SessionRunner",
    "TokenIssuer",
    "TokenRequest",
    "VerifiedToken",
]
