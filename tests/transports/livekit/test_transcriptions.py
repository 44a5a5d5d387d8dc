"""LiveKit users get both sides' words as LiveKit transcriptions (real server, real SDKs).

The agent publishes the way LiveKit agents do: text streams on topic `lk.transcription`
with `lk.segment_id`, `lk.transcribed_track_id` and `lk.transcription_final`. The user
here is the livekit Python SDK reading those streams, as LiveKit's client components do.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from livekit import rtc

from tests.speech import synthesize, word_accuracy
from voicegraph.transports.livekit import LiveKitConfig, LiveKitTransport

from .conftest import join_user
from .sim_user import SimUser, wait_for
from .voice_agent import LONG_REPLY, SessionLog, voice_agent

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

QUESTION = "What is the weather like tomorrow?"
SHORT_REPLY = "It will be sunny and warm tomorrow."
TOPIC = "lk.transcription"


@dataclass
class Stream:
    """One text stream the user received on the transcription topic."""

    sender: str
    text: str
    attributes: dict[str, str]


@dataclass
class Transcriptions:
    """Every transcription stream the user got, read to its end."""

    streams: list[Stream] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def listen(self, user: SimUser) -> None:
        def on_stream(reader: rtc.TextStreamReader, sender: str) -> None:
            self.tasks.append(asyncio.get_running_loop().create_task(self._read(reader, sender)))

        user.room.register_text_stream_handler(TOPIC, on_stream)

    async def _read(self, reader: rtc.TextStreamReader, sender: str) -> None:
        text = await reader.read_all()  # the closing attributes are merged into info by then
        self.streams.append(Stream(sender, text, dict(reader.info.attributes or {})))

    def finals(self, sender: str) -> list[Stream]:
        return [
            s
            for s in self.streams
            if s.sender == sender and s.attributes.get("lk.transcription_final") == "true"
        ]


def track_sid(user: SimUser, owner: str, name: str | None = None) -> str:
    room = user.room
    pubs = (
        room.local_participant.track_publications
        if owner == user.identity
        else room.remote_participants[owner].track_publications
    )
    return next(p.sid for p in pubs.values() if name is None or p.name == name)


async def test_the_agents_reply_and_the_users_words_reach_the_user_as_transcriptions(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    got = Transcriptions()
    agent = lk_config.agent_identity
    async with LiveKitTransport(lk_config, voice_agent(logs, {"weather": SHORT_REPLY})) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "alice")
        got.listen(user)
        try:
            await wait_for(lambda: user.subscribed.is_set(), 15)
            await user.say(synthesize(QUESTION))
            await wait_for(lambda: bool(got.finals(agent)), 30)
            agent_track = track_sid(user, agent, user.agent_track_name)
            mic = track_sid(user, "alice")
        finally:
            await user.leave()
    (reply,) = got.finals(agent)
    assert reply.text == SHORT_REPLY
    assert reply.attributes["lk.transcribed_track_id"] == agent_track
    assert reply.attributes["lk.segment_id"] and "voicegraph.interrupted" not in reply.attributes
    said = got.finals("alice")
    assert said and word_accuracy(QUESTION, " ".join(s.text for s in said)) >= 0.8
    assert all(s.attributes["lk.transcribed_track_id"] == mic for s in said)


async def test_a_reply_cut_by_a_barge_in_closes_with_only_the_words_heard(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    got = Transcriptions()
    agent = lk_config.agent_identity
    async with LiveKitTransport(lk_config, voice_agent(logs, {"weather": LONG_REPLY})) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "bob")
        got.listen(user)
        try:
            await wait_for(lambda: user.subscribed.is_set(), 15)
            spoken_end = await user.say(synthesize(QUESTION))
            await wait_for(lambda: len(user.heard.loud_times(spoken_end)) >= 150, 30)  # 1.5 s of reply
            user.say(synthesize("Stop, stop, wait a moment please."))
            await wait_for(lambda: bool(got.finals(agent)), 15)
        finally:
            await user.leave()
    (cut, *_) = got.finals(agent)
    heard = cut.text.split()
    assert cut.attributes.get("voicegraph.interrupted") == "true"
    assert 0 < len(heard) < len(LONG_REPLY.split())
    assert heard == LONG_REPLY.split()[: len(heard)]
