"""RTVI over Daily app messages (`DailyConfig(rtvi=True)`), with the daily-python stand-in:
the handshake, requests, errors, and that each participant's RTVI session is its own."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import pytest

from tests.fakes.daily_call_client import FakeDailyServer
from voicegraph.transports.daily import DailyConfig, DailyTransport, RTVIDailyConnection

from .agent_graphs import SessionLog, probe_only, wait_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fakes.daily_room import FakeDailyUser

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

URL = "https://voicegraph.daily.co/rtvi"
READY = {"version": "2.1.0", "about": {"library": "@pipecat-ai/client-js"}}


def rtvi(kind: str, msg_id: str = "", data: Any = None) -> dict[str, Any]:
    """An RTVI message as Pipecat's client sends it in an app message."""
    return {"label": "rtvi-ai", "type": kind, "id": msg_id, "data": {} if data is None else data}


@asynccontextmanager
async def rtvi_room(
    *names: str, rtvi_on: bool = True
) -> AsyncIterator[tuple[DailyTransport, list[FakeDailyUser], dict[str, SessionLog]]]:
    """A Daily room served by probe graphs (RTVI on or off), with `names` joined and their
    sessions up: yields the transport, the users and the session logs."""
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    config = DailyConfig(room_url=URL, rtvi=rtvi_on)
    async with DailyTransport(config, probe_only(logs), sdk=server.sdk) as daily:
        users = [room.add_user(name) for name in names]
        await wait_for(lambda: all(user.id in daily.sessions for user in users), 5)
        yield daily, users, logs


def of(messages: list[Any], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if isinstance(m, dict) and m.get("type") == kind]


async def test_client_ready_is_answered_bot_ready_to_that_participant_only() -> None:
    async with rtvi_room("alice", "bob") as (daily, (alice, bob), logs):
        alice.send_app_message(rtvi("client-ready", "ready-a", READY))
        await wait_for(lambda: of(alice.app_messages, "bot-ready"), 5)
        sessions = {
            pid: conn for pid, conn in daily.sessions.items() if isinstance(conn, RTVIDailyConnection)
        }
    (ready,) = of(alice.app_messages, "bot-ready")
    assert (
        ready["label"] == "rtvi-ai" and ready["id"] == "ready-a" and ready["data"]["version"].startswith("2.")
    )
    assert bob.app_messages == []
    a, b = sessions[alice.id], sessions[bob.id]
    assert isinstance(a, RTVIDailyConnection) and isinstance(b, RTVIDailyConnection)
    assert a.rtvi.ready and not b.rtvi.ready
    assert logs["alice"].messages == []  # RTVI requests are the session's, not the graph's app messages


async def test_send_text_comes_back_as_a_final_user_transcription_to_its_sender() -> None:
    async with rtvi_room("alice", "bob") as (_, (alice, bob), _):
        for user in (alice, bob):
            user.send_app_message(rtvi("client-ready", "r", READY))
        alice.send_app_message(rtvi("send-text", "t1", {"content": "hello from alice"}))
        await wait_for(lambda: of(alice.app_messages, "user-transcription"), 5)
    (said,) = of(alice.app_messages, "user-transcription")
    assert said["data"]["text"] == "hello from alice" and said["data"]["final"] is True
    assert said["data"]["user_id"] == alice.id
    assert of(bob.app_messages, "user-transcription") == []


async def test_bad_rtvi_messages_are_answered_with_errors_and_the_session_goes_on() -> None:
    async with rtvi_room("alice") as (daily, (alice,), _):
        alice.send_app_message(rtvi("client-ready", "r", READY))
        alice.send_app_message(rtvi("no-such-type", "bad-type"))
        alice.send_app_message(rtvi("send-text", "bad-data", {"content": 5}))
        alice.send_app_message({"label": "rtvi-ai", "id": "no-type"})
        alice.send_app_message({"app": "not rtvi"})  # still the graph's
        await wait_for(lambda: {"ack": {"app": "not rtvi"}} in alice.app_messages, 5)
        alice.send_app_message(rtvi("send-text", "t1", {"content": "still here"}))
        await wait_for(lambda: of(alice.app_messages, "user-transcription"), 5)
        bad = daily.sessions[alice.id]
        assert isinstance(bad, RTVIDailyConnection)
    errors = {m["id"]: m["data"]["error"] for m in of(alice.app_messages, "error-response")}
    assert errors["bad-type"].startswith("Unsupported type")
    assert errors["bad-data"].startswith("Invalid message")
    (invalid,) = of(alice.app_messages, "error")
    assert invalid["data"]["fatal"] is False
    assert bad.rtvi.bad_messages == 3


async def test_disconnect_bot_ends_that_participants_session() -> None:
    async with rtvi_room("alice", "bob") as (daily, (alice, bob), _):
        alice.send_app_message(rtvi("client-ready", "r", READY))
        alice.send_app_message(rtvi("disconnect-bot", "bye"))
        await wait_for(lambda: alice.id not in daily.sessions, 5)
        assert bob.id in daily.sessions


async def test_without_the_option_rtvi_messages_are_plain_app_messages() -> None:
    async with rtvi_room("alice", rtvi_on=False) as (_, (alice,), _):
        alice.send_app_message(rtvi("client-ready", "r", READY))
        await wait_for(lambda: alice.app_messages, 5)
    assert alice.app_messages == [{"ack": rtvi("client-ready", "r", READY)}]
