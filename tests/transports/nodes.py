"""Light nodes for transport tests: a barge-in energy gate, an echo and a tone 'bot'."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from voicegraph.framework import LatencySpec, Outbox, Processor, handles
from voicegraph.framework.formats import PCM16K, AudioFormat
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    OutputAudioFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    TTSAudioFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)


def tone(ms: float, *, fmt: AudioFormat = PCM16K, hz: float = 440.0, amp: float = 0.5) -> bytes:
    """`ms` of a sine tone as s16 mono PCM at `fmt.rate`."""
    n = int(fmt.rate * ms / 1000)
    t = np.arange(n) / fmt.rate
    return (np.sin(2 * np.pi * hz * t) * amp * 32767).astype("<i2").tobytes()


def silence(ms: float, *, fmt: AudioFormat = PCM16K) -> bytes:
    """`ms` of digital silence as s16 mono PCM."""
    return bytes(int(fmt.rate * ms / 1000) * 2)


class Echo(Processor):
    """Plays the user's audio back: InputAudioFrame in, OutputAudioFrame out."""

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        await out.send(OutputAudioFrame(data=frame.data, format=frame.format))


class EnergyGate(Processor):
    """Stand-in for VAD + turn detection: loud input barges in; quiet after loud ends the turn."""

    interruptible = False
    accepts = (PCM16K,)

    def __init__(self, *, threshold: float = 0.1, quiet_ms: float = 200.0, name: str | None = None) -> None:
        super().__init__(name=name)
        self._threshold = threshold
        self._quiet_ns_needed = int(quiet_ms * 1e6)
        self._quiet_ns = 0
        self._speaking = False

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        x = frame.samples().astype(np.float32) / 32768.0
        rms = float(np.sqrt(np.mean(x * x))) if len(x) else 0.0
        if rms >= self._threshold:
            self._quiet_ns = 0
            if not self._speaking:
                self._speaking = True
                await out.request_interrupt("barge-in")
                await out.send(UserStartedSpeakingFrame())
            return
        if self._speaking:
            self._quiet_ns += frame.duration_ns
            if self._quiet_ns >= self._quiet_ns_needed:
                self._speaking = False
                await out.send(UserStoppedSpeakingFrame())
                await out.send(TurnEndFrame())


class ToneBot(Processor):
    """Stand-in for agent + TTS: answers each turn end with a reply of tone frames.

    Each frame speaks one word ("w1", "w2", ...) with its timing at the frame start.
    `after` maps a reply's number (1, 2...) to a frame sent after it (a call action).
    """

    concurrent = True
    latency = LatencySpec(0.0, "test bot")

    def __init__(
        self,
        *,
        reply_ms: float = 1000.0,
        frame_ms: float = 100.0,
        fmt: AudioFormat = PCM16K,
        after: Mapping[int, Frame] | None = None,
    ) -> None:
        super().__init__()
        self._after = dict(after or {})
        self._frames = int(reply_ms // frame_ms)
        self._frame_ms = frame_ms
        self._fmt = fmt
        self.replies = 0

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        return self._fmt

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        self.replies += 1
        rid = f"r{self.replies}"
        await out.send(ResponseStartFrame(response_id=rid))
        data = tone(self._frame_ms, fmt=self._fmt, hz=330.0)
        for k in range(self._frames):
            word = f"w{k + 1}"
            await out.send(
                TTSAudioFrame(data=data, format=self._fmt, text=word, word_times_ms=((word, 0.0),))
            )
        await out.send(ResponseEndFrame(response_id=rid))
        then = self._after.get(self.replies)
        if then is not None:
            await out.send(then)
