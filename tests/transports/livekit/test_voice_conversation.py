"""A voice conversation through a real LiveKit server: real SDKs, real STT, VAD and TTS."""

from __future__ import annotations

import time

import numpy as np
import pytest
import soxr
from numpy.typing import NDArray

from tests.speech import synthesize, word_accuracy
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.transports.livekit import LiveKitConfig, LiveKitTransport

from .conftest import join_user
from .sim_user import wait_for
from .voice_agent import LONG_REPLY, SessionLog, voice_agent

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

QUESTION = "What is the weather like tomorrow?"
RULES = {"weather": LONG_REPLY}


def to_16k(pcm48k: NDArray[np.int16]) -> NDArray[np.int16]:
    out: NDArray[np.float32] = soxr.resample(pcm48k.astype(np.float32), 48000, 16000, quality="HQ")
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


@pytest.mark.parametrize(
    "media",
    [{}, {"media_rate": 16000, "input_frame_ms": 20}],
    ids=["soxr-at-48k-10ms", "sdk-resamples-16k-20ms"],
)
async def test_agent_hears_the_user_and_its_spoken_reply_reaches_the_user(
    lk_config: LiveKitConfig, room_name: str, media: dict[str, int]
) -> None:
    logs: dict[str, SessionLog] = {}
    config = lk_config.model_copy(update=media)
    async with LiveKitTransport(config, voice_agent(logs, RULES)) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "alice")
        try:
            await wait_for(lambda: user.subscribed.is_set(), 15)
            spoken_end = await user.say(synthesize(QUESTION))
            await wait_for(lambda: bool(user.heard.loud_times(spoken_end)), 30)
            first_reply = user.heard.loud_times(spoken_end)[0]
            await wait_for(lambda: time.monotonic_ns() > first_reply + 2.5e9, 5)  # first sentence heard
        finally:
            await user.leave()
    print(f"voice-to-voice {(first_reply - spoken_end) / 1e6:.0f} ms")
    (turn,) = logs["alice"].turns
    assert word_accuracy(QUESTION, turn) >= 0.8, turn
    assert 0 < first_reply - spoken_end < 5e9
    heard = WhisperEngine().transcribe(to_16k(user.heard.audio(spoken_end))).text
    assert word_accuracy("Here is the whole forecast.", " ".join(heard.split()[:5])) >= 0.6, heard


async def test_data_messages_reach_the_graph_as_frames_and_its_answers_reach_the_user(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(lk_config, voice_agent(logs, RULES)) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "carol")
        try:
            await wait_for(lambda: user.subscribed.is_set(), 15)
            await user.send_data(b"hello agent", topic="chat")
            await wait_for(lambda: bool(user.data), 10)
        finally:
            await user.leave()
    (received,) = logs["carol"].data
    assert (received.payload, received.topic, received.sender) == (b"hello agent", "chat", "carol")
    assert user.data == [("chat", b"ack:hello agent")]


async def test_barge_in_stops_the_agents_audio_within_100_ms_of_the_vad_decision(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(lk_config, voice_agent(logs, RULES)) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "bob")
        try:
            await wait_for(lambda: user.subscribed.is_set(), 15)
            spoken_end = await user.say(synthesize(QUESTION))
            await wait_for(lambda: len(user.heard.loud_times(spoken_end)) >= 50, 30)  # 0.5 s of reply
            reply_start = user.heard.loud_times(spoken_end)[0]
            user.say(synthesize("Stop, stop, wait a moment please."))
            log = logs["bob"]
            await wait_for(lambda: any(t > reply_start for t in log.decisions_ns), 10)
            decision = next(t for t in log.decisions_ns if t > reply_start)
            await wait_for(lambda: time.monotonic_ns() > decision + 1e9, 5)
            conn = lk.session_for(room_name, "bob")
            assert conn is not None and conn.track is not None
            clear_ns, sent_ns = conn.stats.last_clear_ns, conn.track.last_capture_ns
            jitter_ms = await user.jitter_buffer_ms()
        finally:
            await user.leave()
    heard_ns = max(user.heard.loud_times(reply_start))
    ms = {
        k: round((t - decision) / 1e6, 1)
        for k, t in (("clear", clear_ns), ("sent", sent_ns), ("heard", heard_ns))
    }
    print(f"barge-in, after the VAD decision: {ms} ms; receiver jitter buffer {jitter_ms:.0f} ms")
    assert 0 <= clear_ns - decision < 20e6  # the agent drops its queued audio at once
    assert sent_ns - decision < 100e6  # and sends nothing of the cut reply after
    assert heard_ns - decision < (100 + jitter_ms) * 1e6  # the user hears at most what was in flight
    assert any(r.interrupted for r in log.replies)
