"""Daily: the REST client (rooms, meeting tokens) and the transport on daily-python."""

from __future__ import annotations

from voicegraph.transports.daily.app_message_frame import BROADCAST as BROADCAST
from voicegraph.transports.daily.app_message_frame import AppMessageFrame as AppMessageFrame
from voicegraph.transports.daily.daily_call import CallState as CallState
from voicegraph.transports.daily.daily_call import DailyCall as DailyCall
from voicegraph.transports.daily.daily_config import DailyConfig as DailyConfig
from voicegraph.transports.daily.daily_config import SessionMode as SessionMode
from voicegraph.transports.daily.daily_connection import DailyConnection as DailyConnection
from voicegraph.transports.daily.daily_room import DailyRoom as DailyRoom
from voicegraph.transports.daily.daily_transport import DailyTransport as DailyTransport
from voicegraph.transports.daily.participant_event_frame import ParticipantEvent as ParticipantEvent
from voicegraph.transports.daily.participant_event_frame import ParticipantEventFrame as ParticipantEventFrame
from voicegraph.transports.daily.rest_client import DailyRestClient as DailyRestClient
from voicegraph.transports.daily.rtvi_daily_connection import RTVIDailyConnection as RTVIDailyConnection

__all__ = [
    "BROADCAST",
    "AppMessageFrame",
    "CallState",
    "DailyCall",
    "DailyConfig",
    "DailyConnection",
    "DailyRestClient",
    "DailyRoom",
    "DailyTransport",
    "ParticipantEvent",
    "ParticipantEventFrame",
    "RTVIDailyConnection",
    "SessionMode",
]
