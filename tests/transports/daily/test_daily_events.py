"""DailyTransport with the daily-python stand-in: participants, app messages, reconnects."""

from __future__ import annotations

import pytest

from tests.fakes.daily_call_client import FakeDailyServer
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.daily import CallState, DailyConfig, DailyTransport, ParticipantEvent, SessionMode

from .agent_graphs import SessionLog, probe_only, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

URL = "https://voicegraph.daily.co/events"


def _config(**kw: object) -> DailyConfig:
    return DailyConfig(room_url=URL, reconnect_backoff_s=0.05, **kw)  # type: ignore[arg-type]


async def test_each_participant_gets_a_session_that_sees_its_join_and_leave() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    early = room.add_user("early")  # already there when the agent joins
    async with DailyTransport(_config(), probe_only(logs), sdk=server.sdk) as daily:
        late = room.add_user("late")
        await wait_for(lambda: len(daily.sessions) == 2, 5)
        late.leave()
        await wait_for(lambda: late.id not in daily.sessions, 5)
        assert early.id in daily.sessions
    assert [e.event for e in logs["late"].events] == [ParticipantEvent.JOINED, ParticipantEvent.LEFT]
    assert logs["early"].events[0].participant_id == early.id
    assert logs["early"].sessions == logs["late"].sessions == 1


async def test_app_messages_reach_the_senders_session_and_answers_go_back_to_the_sender_only() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(_config(), probe_only(logs), sdk=server.sdk) as daily:
        alice, bob = room.add_user("alice"), room.add_user("bob")
        await wait_for(lambda: len(daily.sessions) == 2, 5)
        alice.send_app_message({"type": "client-message", "data": {"n": 1}})
        await wait_for(lambda: alice.app_messages, 5)
    (got,) = logs["alice"].messages
    assert got.sender == alice.id and got.message == {"type": "client-message", "data": {"n": 1}}
    assert alice.app_messages == [{"ack": {"type": "client-message", "data": {"n": 1}}}]
    assert bob.app_messages == [] and logs["bob"].messages == []


async def test_per_room_mode_runs_one_session_that_broadcasts_its_messages() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(_config(mode=SessionMode.PER_ROOM), probe_only(logs), sdk=server.sdk) as daily:
        alice, bob = room.add_user("alice"), room.add_user("bob")
        bob.send_app_message("hi")
        await wait_for(lambda: alice.app_messages and bob.app_messages, 5)
        assert list(daily.sessions) == [""]
    assert [e.user_name for e in logs["room"].events] == ["alice", "bob"]
    assert logs["room"].messages[0].sender == bob.id
    assert alice.app_messages == bob.app_messages == [{"ack": "hi"}]


async def test_a_lost_call_is_rejoined_and_sessions_keep_their_graphs() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(_config(), probe_only(logs), sdk=server.sdk) as daily:
        alice = room.add_user("alice")
        await wait_for(lambda: alice.id in daily.sessions, 5)
        server.join_errors.append("network unreachable")  # the first rejoin fails too
        room.drop_agents()
        await wait_for(lambda: daily.call is not None and daily.call.reconnects == 1, 10)
        assert daily.state is CallState.JOINED and server.joins == 3
        alice.send_app_message("still there?")
        await wait_for(lambda: alice.app_messages, 5)
    events = [e.event for e in logs["alice"].events]
    assert ParticipantEvent.RECONNECTING in events and ParticipantEvent.RECONNECTED in events
    assert logs["alice"].sessions == 1


async def test_reconnects_are_bounded_and_giving_up_ends_the_sessions() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(_config(reconnect_attempts=2), probe_only(logs), sdk=server.sdk) as daily:
        alice = room.add_user("alice")
        await wait_for(lambda: alice.id in daily.sessions, 5)
        server.join_errors.extend(["network unreachable"] * 5)
        room.drop_agents()
        await wait_for(lambda: daily.state is CallState.CLOSED and not daily.sessions, 10)
        assert server.joins == 3
    assert logs["alice"].events[-1].event is ParticipantEvent.DISCONNECTED


async def test_a_refused_token_is_authentication_failed() -> None:
    server = FakeDailyServer()
    server.room(URL)
    server.tokens = {"good"}
    with pytest.raises(VoiceError) as err:
        await DailyTransport(_config(token="bad"), probe_only({}), sdk=server.sdk).start()
    assert err.value.code is ErrorCode.AUTHENTICATION_FAILED


async def test_an_unknown_room_is_not_found() -> None:
    server = FakeDailyServer()
    with pytest.raises(VoiceError) as err:
        await DailyTransport(_config(), probe_only({}), sdk=server.sdk).start()
    assert err.value.code is ErrorCode.NOT_FOUND


async def test_a_participant_who_left_while_the_agent_was_away_loses_their_session() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(_config(), probe_only(logs), sdk=server.sdk) as daily:
        alice, bob = room.add_user("alice"), room.add_user("bob")
        await wait_for(lambda: len(daily.sessions) == 2, 5)
        server.join_errors.append("network unreachable")
        room.drop_agents()
        alice.leave()  # no agent is in the room to hear it
        await wait_for(lambda: daily.call is not None and daily.call.reconnects == 1, 10)
        await wait_for(lambda: alice.id not in daily.sessions, 5)
        assert bob.id in daily.sessions
    assert logs["alice"].events[-1].event is ParticipantEvent.LEFT
    assert logs["alice"].events[-1].reason == "gone while reconnecting"


async def test_per_room_audio_and_messages_resume_after_a_reconnect() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(_config(mode=SessionMode.PER_ROOM), probe_only(logs), sdk=server.sdk) as daily:
        alice = room.add_user("alice")
        room.drop_agents()
        await wait_for(lambda: daily.call is not None and daily.call.reconnects == 1, 10)
        alice.send_app_message("back?")
        await wait_for(lambda: alice.app_messages, 5)
        conn = daily.sessions[""]
        frames_before = conn.frames_in
        await wait_for(lambda: conn.frames_in > frames_before + 5, 5)  # the speaker feeds again
    events = [e.event for e in logs["room"].events]
    assert events == [ParticipantEvent.JOINED, ParticipantEvent.RECONNECTING, ParticipantEvent.RECONNECTED,
                      ParticipantEvent.JOINED]  # fmt: skip
