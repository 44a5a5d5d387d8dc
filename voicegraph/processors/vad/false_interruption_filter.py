"""FalseInterruptionFilter: a cough or "mm-hmm" pauses the bot, which then resumes.

Issue 19: a barge-in that is only a backchannel or a noise should not cut the bot's
reply. On the user's start while the bot speaks, playout is paused (nothing dropped);
then either the speech goes on (a real interruption), or it ends and its transcript
decides: empty, non-lexical ("[coughs]") or only backchannel words -> resume where it
paused; anything else -> the normal interruption.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.base import UNSTAMPED, Frame
from voicegraph.framework.frames.control import TurnEndFrame
from voicegraph.framework.frames.system import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.vad.playout_hold import PlayoutHold, playout_hold

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext

BACKCHANNELS = frozenset(
    "mm mmm mhm mmhmm mm-hmm hmm hm uh-huh uh huh um umm ah aha oh yeah yep yes ok okay right sure".split()
)
"""Words a listener says without taking the turn (lower case, punctuation stripped)."""
_NON_LEXICAL = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def is_backchannel(text: str, words: frozenset[str] = BACKCHANNELS) -> bool:
    """Whether a transcript is empty, non-lexical ("[coughs]") or only backchannel words."""
    said = _WORD.findall(_NON_LEXICAL.sub(" ", text.lower()))
    return all(w in words for w in said)


class FalseInterruptionFilter(Processor):
    """Pauses the bot on a user start, then resumes it or lets the interruption run.

    Place it after the STT (it needs transcripts) with the VAD's `interrupt_on_speech`
    off: this node asks for the interruptions. Handles `UserStartedSpeakingFrame`
    (bot silent: requests the interruption at once, like the VAD would; bot speaking:
    pauses playout through the session's `PlayoutHold`), `UserStoppedSpeakingFrame`,
    final `TranscriptFrame`s and `TurnEndFrame`; tracks `BotStarted/StoppedSpeakingFrame`.
    While undecided, the user's start and stop frames are held back (so nodes after
    this one, such as the user context, never hear of a false start), then sent on
    after the interruption or dropped on resume. Decision while paused: speech still
    going `min_speech_s` after the start -> interrupt;
    a transcript that is not `is_backchannel` -> interrupt (the transcript goes on);
    a backchannel transcript, or none within `transcript_timeout_s` of the stop ->
    resume, and that utterance's transcripts and turn end are dropped (the agent does
    not answer a cough). Emits everything else unchanged.

    Latency: none on frames; the audible cut is the pause (one playout chunk); a real
    interruption is decided at most `min_speech_s` after the start. Not interruptible
    (it is what interrupts); flush keeps its state. Drain: a pending pause is resumed.

    Args:
        min_speech_s: speech longer than this is a real interruption.
        transcript_timeout_s: how long after the stop a transcript may take.
        backchannels: the words that do not take the turn.

    Raises:
        VoiceError: `invalid_config` (non-positive times).
    """

    interruptible = False
    latency = LatencySpec(0.0, "decides beside the stream")

    def __init__(
        self,
        *,
        min_speech_s: float = 0.6,
        transcript_timeout_s: float = 1.5,
        backchannels: frozenset[str] | list[str] = BACKCHANNELS,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if min_speech_s <= 0 or transcript_timeout_s <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "false interruption filter: times must be > 0")
        self._min_ns = int(min_speech_s * 1e9)
        self._wait_ns = int(transcript_timeout_s * 1e9)
        self._words = frozenset(w.lower() for w in backchannels)
        self._hold = PlayoutHold()
        self._bot = False
        self._user = False
        self._pending = False
        self._dropping = False
        self._deadline = 0
        self._armed = asyncio.Event()
        self._held: list[Frame] = []  # the user's start/stop frames while undecided
        self.resumed = 0
        """False interruptions: the bot resumed."""
        self.interrupted = 0
        """Real interruptions requested while the bot spoke."""

    async def on_start(self, ctx: StartContext) -> None:
        self._hold = playout_hold(ctx.shared)
        ctx.spawn(self._watch(), name=f"{self.name}:false-interruption")

    @handles
    async def on_bot_started(self, frame: BotStartedSpeakingFrame, out: Outbox) -> None:
        self._bot = True
        await out.send(frame)

    @handles
    async def on_bot_stopped(self, frame: BotStoppedSpeakingFrame, out: Outbox) -> None:
        self._bot = False
        await out.send(frame)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        self._user = True
        self._dropping = False
        if self._pending:
            self._held.append(frame)
            self._arm(self.clock.now_ns() + self._min_ns)
            return
        if self._bot:
            self._pending = True
            self._held = [frame]  # downstream (the user context) hears of it only if it counts
            self._hold.pause()
            self._arm(self.clock.now_ns() + self._min_ns)
            return
        await out.request_interrupt("user_started_speaking")
        await out.send(frame)

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        self._user = False
        if self._pending:
            self._held.append(frame)
            self._arm(self.clock.now_ns() + self._wait_ns)
            return
        await out.send(frame)

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        if not frame.final:
            if not (self._pending or self._dropping):
                await out.send(frame)
            return
        if self._pending and not self._user:
            if is_backchannel(frame.text, self._words):
                self._resume()
                return
            await self._interrupt()
            # the words that decided it belong to the new epoch: the agent must answer them
            await self.outbox.send(dataclasses.replace(frame, epoch=UNSTAMPED, pts=UNSTAMPED))
            return
        if not self._dropping:
            await out.send(frame)

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        if self._dropping and not self._pending:
            self._dropping = False
            return
        await out.send(frame)

    def _arm(self, deadline: int) -> None:
        self._deadline = deadline
        self._armed.set()

    def _resume(self) -> None:
        self._pending = False
        self._held = []  # a false start: nobody downstream hears of it
        self._dropping = True
        self.resumed += 1
        self._hold.resume()

    async def _interrupt(self) -> None:
        self._pending = False
        self.interrupted += 1
        await self.outbox.request_interrupt("user_started_speaking")
        held, self._held = self._held, []
        for frame in held:  # the user's start (and stop) now count, after the interruption
            await self.outbox.send(frame)

    async def _watch(self) -> None:
        while True:
            await self._armed.wait()
            self._armed.clear()
            deadline = self._deadline
            await self.clock.sleep_until(deadline)
            if not self._pending or self._armed.is_set() or deadline != self._deadline:
                continue
            if self._user:
                await self._interrupt()
            else:
                self._resume()  # no transcript came: a noise

    async def on_drain(self, out: Outbox) -> None:
        if self._pending:
            self._resume()
