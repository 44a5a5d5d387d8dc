"""FallbackSTT: an STT slot served by a chain of STT engines, best first."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    InputAudioFrame,
    InterimTranscriptFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.fallback.fallback_node import FallbackNode

if TYPE_CHECKING:
    from voicegraph.framework.frames import Frame

PREROLL_FRAMES = 25
"""Audio frames kept from before the VAD start (0.5 s at 20 ms), replayed ahead of it:
the VAD fires after the speech has begun."""


class FallbackSTT(FallbackNode):
    """Transcribes with the first healthy STT engine of `engines` (`deepgram_stt`,
    `cartesia_stt`, `whisper_stt`, `pocketsphinx_stt`...).

    Handles: `InputAudioFrame`, `UserStartedSpeakingFrame`, `UserStoppedSpeakingFrame`,
    `TurnEndFrame`. Emits: the active engine's frames (transcripts, and the input frames it
    passes on), each input frame at most once. A VAD start picks the first healthy engine;
    the turn's frames since the start (with `PREROLL_FRAMES` of audio before it) are kept,
    and on a switch the next engine gets them all, so it transcribes the whole utterance.
    Stall detection: a call into the engine making no progress for `attempt_timeout_s`,
    or no final transcript `attempt_timeout_s` after the VAD stop (a watchdog marks the
    engine failed; the next frame, audio keeps coming, switches). A final transcript ends
    the turn's bookkeeping. Probe: a restart must report no error for 0.3 s (a stall
    passes; the watchdog catches it again on the next turn). Latency: the active engine's.
    Not interruptible (user input path); drain: the active engine's.
    """

    content = (TranscriptFrame,)
    role: ClassVar[str] = "stt"
    """The slot it fills (processor slots and the graph checks place it by role)."""

    interruptible = False
    _turn: list[Frame]
    _waiting: bool
    _preroll: deque[Frame]

    def reset_turn(self) -> None:
        self._turn, self._waiting = [], False
        if not hasattr(self, "_preroll"):  # first call: from the base's constructor
            self._preroll = deque(maxlen=PREROLL_FRAMES)

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        if self._turn:
            self._turn.append(frame)
        else:
            self._preroll.append(frame)
        await self.dispatch(frame)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        self.reset_turn()
        preroll = list(self._preroll)
        if self.new_turn():  # a recovered engine: it missed the speech's onset, before the VAD fired
            await self.feed_quietly(preroll)
        self._turn = [*preroll, frame]
        self._preroll.clear()
        await self.dispatch(frame)

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        if self._turn:
            self._turn.append(frame)
            self._waiting = True
            if self._ctx is not None:
                self._ctx.spawn(self._watch(self._turn), name=f"{self.name}:watch")
        await self.dispatch(frame)

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        if self._turn:
            self._turn.append(frame)
        await self.dispatch(frame)

    def replay_frames(self) -> list[Frame]:
        return list(self._turn)

    def on_output(self, index: int, frame: Frame) -> list[Frame]:
        if isinstance(frame, TranscriptFrame) and not isinstance(frame, InterimTranscriptFrame):
            if self._waiting:  # the utterance is transcribed: nothing of it is replayed any more
                self._turn, self._waiting = [], False
            else:  # a final mid-utterance: only the speech after it is still owed
                self._turn = [f for f in self._turn if isinstance(f, UserStartedSpeakingFrame)]
        return [frame]

    async def _watch(self, turn: list[Frame]) -> None:
        """No final transcript within the deadline after the VAD stop: the engine stalls."""
        i = self.chain.active
        await asyncio.sleep(self.attempt_timeout_s)
        if not (self._waiting and self._turn is turn and i is not None and i == self.chain.active):
            return
        if self.chain.first_healthy(besides=i) is not None:  # silence or noise may have no words
            name = self.chain.engines[i].name
            msg = f"{name}: no final transcript {self.attempt_timeout_s}s after the end of speech"
            self.mark_failing(i, VoiceError(ErrorCode.TIMEOUT, msg, node=name, retriable=True))

    async def probe(self, index: int) -> None:
        await asyncio.sleep(0.3)  # errors of the restart arrive on the bus meanwhile
