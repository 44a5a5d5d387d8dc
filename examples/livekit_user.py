"""A user in a LiveKit room: speaks a question, prints the agent's words.

Shows the client side of the LiveKit agent (livekit_agent.py): a token for the room,
a microphone track fed with speech (the `livekit` rtc SDK, 48 kHz, 10 ms frames), the
agent's track for this user (named `<agent identity>:<user identity>`) and the words on
topic `lk.transcription` (LiveKit's transcription text streams: the user's transcripts
and the agent's words as played, the attribute `lk.transcription_final` on the last).

Run (the agent running, LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET set):
      python examples/livekit_user.py [room] ["your question"]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

import numpy as np
import soxr
from livekit import rtc

from voicegraph.transports.livekit import LiveKitConfig, TokenIssuer

RATE, FRAME = 48000, 480  # LiveKit's rate; 10 ms frames


class Words:
    """Collects the `lk.transcription` streams: (sender, text, final)."""

    def __init__(self, room: rtc.Room) -> None:
        self.got: list[tuple[str, str, bool]] = []
        self.replied = asyncio.Event()  # set at the first whole reply of someone else
        self._tasks: list[asyncio.Task[None]] = []
        room.register_text_stream_handler("lk.transcription", self._on_stream)

    def _on_stream(self, reader: rtc.TextStreamReader, sender: str) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(self._read(reader, sender)))

    async def _read(self, reader: rtc.TextStreamReader, sender: str) -> None:
        text = await reader.read_all()
        final = (reader.info.attributes or {}).get("lk.transcription_final") == "true"
        self.got.append((sender, text, final))
        if final and sender != "caller":
            self.replied.set()

    def agent_final(self) -> str:
        """The first whole reply from anyone but the caller (the agent's identity varies:
        a room agent is `voicegraph-agent`, a dispatched worker's job has its own)."""
        return next((text for who, text, final in self.got if who != "caller" and final), "")


async def speak(source: rtc.AudioSource, pcm16k: np.ndarray) -> None:
    """Say 16 kHz speech on the microphone, then 1.5 s of silence (the SDK paces frames)."""
    pcm = soxr.resample(pcm16k.astype(np.float32), 16000, RATE)
    pcm = np.concatenate([np.clip(pcm, -32768, 32767).astype(np.int16), np.zeros(RATE * 3 // 2, np.int16)])
    for start in range(0, len(pcm) - FRAME + 1, FRAME):
        await source.capture_frame(rtc.AudioFrame(pcm[start : start + FRAME].tobytes(), RATE, 1, FRAME))


async def ask(config: LiveKitConfig, room_name: str, pcm16k: np.ndarray, timeout_s: float = 60.0) -> str:
    """Join `room_name` as `caller`, say `pcm16k` once the agent listens; the agent's reply."""
    token = await TokenIssuer(config).client_token("caller", room_name)
    room, agent_track = rtc.Room(), asyncio.Event()

    # The agent publishes one track per user, named `<agent identity>:<user identity>`.
    def on_track(track: rtc.Track, *_: object) -> None:
        if track.name.endswith(":caller"):
            agent_track.set()

    room.on("track_subscribed", on_track)
    words = Words(room)
    await room.connect(config.url, token, rtc.RoomOptions(auto_subscribe=True))
    source = rtc.AudioSource(RATE, 1, queue_size_ms=100)
    try:
        track = rtc.LocalAudioTrack.create_audio_track("microphone", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        await room.local_participant.publish_track(track, options)
        async with asyncio.timeout(timeout_s):
            await agent_track.wait()  # the agent is in and has a track for us
            await speak(source, pcm16k)
            await words.replied.wait()
        return words.agent_final()
    finally:
        with contextlib.suppress(Exception):
            await room.disconnect()
        await source.aclose()


def main() -> None:
    from voicegraph.demo.caller_voice import CallerVoice

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("room", nargs="?", default="example")
    parser.add_argument("question", nargs="?", default="What is the capital of France?")
    args = parser.parse_args()
    pcm = CallerVoice(engine="piper").speak(args.question)
    print(f"agent: {asyncio.run(ask(LiveKitConfig.from_env(), args.room, pcm))}")


if __name__ == "__main__":
    main()
