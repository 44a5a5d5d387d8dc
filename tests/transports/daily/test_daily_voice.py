"""Voice conversations through DailyTransport and the daily-python stand-in: real speech in
(eSpeak), real VAD, Whisper, scripted agent and eSpeak TTS, audio out on the agent's tracks."""

from __future__ import annotations

import time

import pytest

from tests.fakes.daily_call_client import FakeDailyServer
from tests.fakes.daily_room import FakeDailyUser, TrackLog
from tests.speech import synthesize, word_accuracy
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.transports.daily import DailyConfig, DailyTransport, SessionMode
from voicegraph.transports.daily.participant_tracks import track_name

from .agent_graphs import LONG_REPLY, SessionLog, voice_agent, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

URL = "https://voicegraph.daily.co/voice"
QUESTION = "What is the weather like tomorrow?"
RULES = {"weather": LONG_REPLY, "time": "It is half past six in the evening."}


async def _reply_heard(track: TrackLog, after_ns: int, seconds: float) -> str:
    """Wait for `seconds` of loud audio on `track` after `after_ns`; Whisper's words of it."""
    await wait_for(lambda: len(track.loud_times(after_ns)) * 0.02 >= seconds, 40)
    return WhisperEngine().transcribe(track.audio(after_ns)).text


def _track(user: FakeDailyUser) -> TrackLog:
    return user.room.track(track_name(user.id))


async def test_the_agent_hears_a_participant_and_answers_on_their_track() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(DailyConfig(room_url=URL), voice_agent(logs, RULES), sdk=server.sdk) as daily:
        alice = room.add_user("alice")
        await wait_for(lambda: alice.id in daily.sessions, 5)
        spoken_end = alice.say(synthesize(QUESTION))
        heard = await _reply_heard(_track(alice), spoken_end, 2.5)
    (turn,) = logs["alice"].turns
    assert word_accuracy(QUESTION, turn) >= 0.8, turn
    assert word_accuracy("Here is the whole forecast.", " ".join(heard.split()[:5])) >= 0.6, heard


async def test_two_participants_get_their_own_answers_without_bleeding() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(DailyConfig(room_url=URL), voice_agent(logs, RULES), sdk=server.sdk) as daily:
        alice, bob = room.add_user("alice"), room.add_user("bob")
        await wait_for(lambda: len(daily.sessions) == 2, 5)
        t0 = time.monotonic_ns()
        alice.say(synthesize(QUESTION))
        bob.say(synthesize("What time is it now?"))
        heard_alice = await _reply_heard(_track(alice), t0, 2.0)
        heard_bob = await _reply_heard(_track(bob), t0, 1.0)
    assert logs["alice"].turns and logs["bob"].turns
    assert "time" not in " ".join(logs["alice"].turns).lower()
    assert "weather" not in " ".join(logs["bob"].turns).lower()
    assert "forecast" in heard_alice.lower() and "forecast" not in heard_bob.lower(), (heard_alice, heard_bob)
    assert "six" in heard_bob.lower() or "6" in heard_bob, heard_bob


async def test_barge_in_clears_the_agents_outgoing_audio() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    async with DailyTransport(DailyConfig(room_url=URL), voice_agent(logs, RULES), sdk=server.sdk) as daily:
        alice = room.add_user("alice")
        await wait_for(lambda: alice.id in daily.sessions, 5)
        track = _track(alice)
        spoken_end = alice.say(synthesize(QUESTION))
        await wait_for(lambda: len(track.loud_times(spoken_end)) >= 25, 40)  # 0.5 s of reply
        reply_start = track.loud_times(spoken_end)[0]
        alice.say(synthesize("Stop, stop, wait a moment please."))
        log = logs["alice"]
        await wait_for(lambda: any(t > reply_start for t in log.decisions_ns), 10)
        decision = next(t for t in log.decisions_ns if t > reply_start)
        await wait_for(lambda: time.monotonic_ns() > decision + 1e9, 5)
        pump = daily.sessions[alice.id].pump
        clear_ns = pump.last_clear_ns
    last_loud = max(track.loud_times(reply_start))
    ms = {"clear": (clear_ns - decision) / 1e6, "last_loud": (last_loud - decision) / 1e6}
    print(f"barge-in, after the VAD decision: {ms} ms")
    assert 0 <= clear_ns - decision < 20e6
    assert last_loud - decision < 100e6
    assert any(r.interrupted for r in log.replies)


async def test_per_room_session_hears_the_mixed_speaker_and_talks_through_the_microphone() -> None:
    server, logs = FakeDailyServer(), dict[str, SessionLog]()
    room = server.room(URL)
    config = DailyConfig(room_url=URL, mode=SessionMode.PER_ROOM)
    async with DailyTransport(config, voice_agent(logs, RULES), sdk=server.sdk):
        alice = room.add_user("alice")
        spoken_end = alice.say(synthesize(QUESTION))
        heard = await _reply_heard(room.track("microphone"), spoken_end, 2.5)
    (turn,) = logs["room"].turns
    assert word_accuracy(QUESTION, turn) >= 0.8, turn
    assert "forecast" in heard.lower(), heard
