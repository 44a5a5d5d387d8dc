"""ConversationRecorder: both sides of a conversation on one timeline, written as a WAV file."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import Frame, OutputAudioFrame

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

Layout = Literal["stereo", "mix"]


@dataclass(frozen=True, slots=True)
class BotChunk:
    """One chunk of bot audio as the user heard it."""

    start_ns: int
    """Clock time it started playing."""
    duration_ns: int
    pcm: NDArray[np.int16]
    rate: int


class ConversationRecorder:
    """Collects the caller's audio (when pushed) and the bot's (when played).

    User chunks are placed so they end at their push time (that is when their audio had
    arrived); bot chunks start at the time the output played them (`OutputAudioFrame.pts`
    from the transport). `write` renders both on one timeline: two channels (left the
    user, right the bot) or one mixed channel. Mono int16 audio only.
    """

    def __init__(self) -> None:
        self.user: list[tuple[int, NDArray[np.int16]]] = []
        """(push time ns, samples) of every caller chunk."""
        self.user_rate = 16000
        self.bot: list[BotChunk] = []
        """Bot chunks in play order."""

    def add_user(self, pushed_ns: int, pcm: NDArray[np.int16], rate: int = 16000) -> None:
        """Record one caller chunk pushed at `pushed_ns`."""
        self.user_rate = rate
        self.user.append((pushed_ns, np.asarray(pcm, dtype=np.int16).copy()))

    def add_output(self, frame: Frame) -> None:
        """Record a frame the graph sent to the caller (played bot audio is kept)."""
        if isinstance(frame, OutputAudioFrame) and frame.format.channels == 1:
            pcm = np.frombuffer(frame.data, dtype="<i2").astype(np.int16)
            self.bot.append(BotChunk(frame.pts, frame.duration_ns, pcm, frame.format.rate))

    @property
    def start_ns(self) -> int:
        """Clock time of the first recorded sample."""
        starts = [t - len(p) * 1_000_000_000 // self.user_rate for t, p in self.user[:1]]
        starts += [c.start_ns for c in self.bot[:1]]
        return min(starts) if starts else 0

    def tracks(self, rate: int = 16000) -> tuple[NDArray[np.int16], NDArray[np.int16]]:
        """The user and bot tracks at `rate`, same length, from `start_ns`."""
        t0 = self.start_ns
        user = _place(
            [(t - len(p) * 1_000_000_000 // self.user_rate, p) for t, p in self.user], t0, self.user_rate
        )
        bot_rate = self.bot[0].rate if self.bot else rate
        bot = _place([(c.start_ns, c.pcm) for c in self.bot if c.rate == bot_rate], t0, bot_rate)
        user, bot = _resample(user, self.user_rate, rate), _resample(bot, bot_rate, rate)
        n = max(len(user), len(bot))
        return np.pad(user, (0, n - len(user))), np.pad(bot, (0, n - len(bot)))

    def write(self, path: str | Path, *, layout: Layout = "stereo", rate: int = 16000) -> float:
        """Write the conversation as a 16-bit WAV; returns its duration in seconds.

        Raises:
            VoiceError: (invalid_input) the file cannot be written.
        """
        user, bot = self.tracks(rate)
        if layout == "stereo":
            data, channels = np.stack([user, bot], axis=1).reshape(-1), 2
        else:
            mixed = user.astype(np.int32) + bot.astype(np.int32)
            data, channels = np.clip(mixed, -32768, 32767).astype(np.int16), 1
        try:
            with wave.open(str(path), "wb") as wav:
                wav.setnchannels(channels)
                wav.setsampwidth(2)
                wav.setframerate(rate)
                wav.writeframes(data.astype("<i2").tobytes())
        except OSError as exc:
            raise VoiceError(ErrorCode.INVALID_INPUT, f"cannot write {path}: {exc}") from exc
        return len(user) / rate


def _place(pieces: list[tuple[int, NDArray[np.int16]]], t0: int, rate: int) -> NDArray[np.int16]:
    if not pieces:
        return np.zeros(0, np.int16)
    at = [max(0, (t - t0) * rate // 1_000_000_000) for t, _ in pieces]
    out = np.zeros(max(a + len(p) for a, (_, p) in zip(at, pieces, strict=True)), np.int16)
    for a, (_, p) in zip(at, pieces, strict=True):
        out[a : a + len(p)] = p
    return out


def _resample(pcm: NDArray[np.int16], src: int, dst: int) -> NDArray[np.int16]:
    if src == dst or not len(pcm):
        return pcm
    from voicegraph.audio.engine_imports import import_soxr

    y = import_soxr().resample(pcm.astype(np.float32), src, dst, quality="HQ")
    out: NDArray[np.int16] = np.clip(np.round(y), -32768, 32767).astype(np.int16)
    return out
