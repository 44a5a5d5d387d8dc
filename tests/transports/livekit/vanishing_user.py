"""A user in a process of its own, joined and publishing, until the test kills it.

Run as ``python -m tests.transports.livekit.vanishing_user URL TOKEN``: prints ``joined``
once its microphone track is published, then stays until killed. Killed with SIGKILL it
sends no leave message: the server finds out only when the peer connection times out.
"""

from __future__ import annotations

import asyncio
import sys

from livekit import rtc


async def main(url: str, token: str) -> None:
    room = rtc.Room()
    await room.connect(url, token, rtc.RoomOptions(auto_subscribe=False))
    source = rtc.AudioSource(48_000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("microphone", source)
    opts = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await room.local_participant.publish_track(track, opts)
    print("joined", flush=True)
    silence = rtc.AudioFrame(bytes(960), 48_000, 1, 480)
    while True:
        await source.capture_frame(silence)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
