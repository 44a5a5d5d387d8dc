"""Media objects of the daily-python stand-in: renderer audio, custom tracks, virtual devices.

Same names and parameters as daily-python 0.36 (`AudioData`, `CustomAudioSource`,
`CustomAudioTrack`, `VirtualMicrophoneDevice.write_frames`,
`VirtualSpeakerDevice.read_frames`): what the agent writes lands in the room's
`TrackLog`s; the speaker blocks for the audio's duration and returns every user's
speech mixed, as the SDK's does. See tests/fakes/daily_call_client.py.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.fakes.daily_room import FakeDailyServer, TrackLog

__all__ = ["AudioData", "CustomAudioSource", "CustomAudioTrack", "Microphone", "Speaker"]


@dataclass(frozen=True)
class AudioData:
    """What a renderer callback gets (daily.AudioData's properties)."""

    audio_frames: bytes
    sample_rate: int
    num_channels: int = 1
    bits_per_sample: int = 16

    @property
    def num_audio_frames(self) -> int:
        return len(self.audio_frames) // 2 // self.num_channels


class CustomAudioSource:
    """daily.CustomAudioSource: `write_frames(bytes)` lands on the track it is published as."""

    def __init__(self, sample_rate: int, channels: int, auto_silence: bool = True) -> None:
        self.sample_rate = sample_rate
        self.channels = channels
        self.log: TrackLog | None = None

    def write_frames(self, frame: bytes, completion: Callable[[int], None] | None = None) -> int:
        if self.log is not None:
            self.log.write(frame)
        n = len(frame) // 2 // self.channels
        if completion is not None:
            completion(n)
        return n


class CustomAudioTrack:
    """daily.CustomAudioTrack over a source."""

    def __init__(self, audio_source: CustomAudioSource) -> None:
        self.source = audio_source
        self.id = uuid.uuid4().hex


class Microphone:
    def __init__(self, server: FakeDailyServer, name: str, sample_rate: int, channels: int) -> None:
        self.server, self.name, self.sample_rate, self.channels = server, name, sample_rate, channels

    def write_frames(self, frame: bytes, completion: Callable[[int], None] | None = None) -> int:
        for room in self.server.rooms.values():
            for client in room.joined_clients():
                mic = client.settings.get("inputs", {}).get("microphone", {})
                if isinstance(mic, dict) and mic.get("settings", {}).get("deviceId") == self.name:
                    room.track("microphone", self.sample_rate).write(frame)
        return len(frame) // 2 // self.channels


class Speaker:
    def __init__(self, server: FakeDailyServer, name: str, sample_rate: int, channels: int) -> None:
        self.server, self.name, self.sample_rate, self.channels = server, name, sample_rate, channels
        self._t = 0.0

    def read_frames(self, num_frame: int, completion: Callable[[bytes], None] | None = None) -> bytes:
        start = max(self._t, time.monotonic() - 0.1)  # a reader that stalled skips ahead
        self._t = start + num_frame / self.sample_rate
        time.sleep(max(0.0, self._t - time.monotonic()))
        rooms = [r for r in self.server.rooms.values() if r.joined_clients()]
        if self.server.selected_speaker != self.name or not rooms:
            return bytes(2 * num_frame)
        return rooms[0].mixed(start, num_frame, self.sample_rate).tobytes()
