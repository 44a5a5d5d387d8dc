"""Daily: the REST client (rooms, meeting tokens) and the transport on daily-python."""

from __future__ import annotations

from voicegraph.transports.daily.daily_room import DailyRoom as DailyRoom
from voicegraph.transports.daily.rest_client import DailyRestClient as DailyRestClient

__all__ = ["DailyRestClient", "DailyRoom"]
