"""TurnEvents: a turn-taking STT's turn events as the graph's turn frames.

Shared by `DeepgramFluxSTT` (Flux `TurnInfo` events) and `CartesiaTurnsSTT` (Cartesia's
`turn.*` events): both services detect the user's turn themselves and send the same
five events, each with the whole turn's transcript so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    InterimTranscriptFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.stt.flux_turn_text import FluxTurnText
from voicegraph.processors.stt.unanswered_audio import UnansweredAudio

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.outbox import Outbox

TurnEvent = Literal["start", "update", "eager_end", "resume", "end"]
TURN_EVENTS: tuple[TurnEvent, ...] = ("start", "update", "eager_end", "resume", "end")
BYTES_PER_S = 32000  # 16 kHz mono s16
PREROLL_S = 0.5


class TurnEvents:
    """Turns one STT connection's turn events into frames, and keeps the open turn's audio.

    - `start` -> an interruption request (barge-in, with `interrupt`) and
      UserStartedSpeakingFrame;
    - `update` -> InterimTranscriptFrame (when the text changed);
    - `eager_end` -> UserStoppedSpeakingFrame and TranscriptFrame(final) of the words so
      far: a `UserAggregator(preemptive=True)` starts the reply now, held by a
      `ReplyGate` until the turn ends;
    - `resume` -> UserStartedSpeakingFrame: the aggregator drops the prepared reply and
      keeps the words;
    - `end` -> TranscriptFrame(final) of the words not yet given, a
      UserStoppedSpeakingFrame if none was sent, and TurnEndFrame.

    Each final carries only words not given before in the turn, or the whole turn marked
    `revises` when the service changed given words (see `FluxTurnText`). The audio sent
    since the turn started (plus `PREROLL_S` before it) is kept, so that a node whose
    socket dropped can send it again on the new one: the service restarts its turn
    state with each connection. Emits from the caller's task; adds no latency.

    Args:
        now_ns: the graph clock (for `speech_start_ns`/`speech_end_ns`).
        interrupt: request an interruption at each turn start.
    """

    def __init__(self, *, now_ns: Callable[[], int], interrupt: bool) -> None:
        self._now_ns = now_ns
        self._interrupt = interrupt
        self.text = FluxTurnText()
        """The turn's words given so far."""
        self._audio = UnansweredAudio(bytes_per_s=BYTES_PER_S, max_bytes=60 * BYTES_PER_S)
        self.in_turn = False
        """Whether a turn is open (started and not ended)."""
        self._stopped = False
        self._last_interim = ""
        self._continuing = False

    def heard(self, data: bytes) -> None:
        """Audio about to be sent (outside a turn only a short tail is kept)."""
        self._audio.sent(data)
        if not self.in_turn:
            self._audio.answered(self._audio.stream_s - PREROLL_S)

    def replay(self) -> list[bytes]:
        """The open turn's audio (with its preroll), in order, to send on a new connection."""
        return self._audio.replay()

    def reconnected(self) -> None:
        """A new connection is replaying the open turn: its first `start` continues that
        turn (no frames, the words given stay given) instead of opening a new one."""
        self._continuing = self.in_turn

    async def on_event(self, out: Outbox, event: TurnEvent, transcript: str) -> None:
        """Emit the frames for one event (`transcript`: the turn's text so far, stripped)."""
        if event == "start" and self._continuing:
            self._continuing = False
        elif event == "start":
            self.in_turn, self._stopped, self._last_interim = True, False, ""
            self.text.reset()
            if self._interrupt:
                await out.request_interrupt("user_started_speaking")
            await out.send(UserStartedSpeakingFrame(speech_start_ns=self._now_ns()))
        elif event == "update":
            if transcript and transcript != self._last_interim:
                self._last_interim = transcript
                await out.send(InterimTranscriptFrame(text=transcript))
        elif event == "eager_end":
            await self._stop(out)
            await self._final(out, transcript)
        elif event == "resume":
            self._stopped = False
            await out.send(UserStartedSpeakingFrame(speech_start_ns=self._now_ns()))
        elif event == "end":
            await self._final(out, transcript)
            await self._stop(out)
            await out.send(TurnEndFrame(speech_end_ns=self._now_ns()))
            self.in_turn = False
            self._audio.clear()

    async def _stop(self, out: Outbox) -> None:
        if not self._stopped:
            self._stopped = True
            await out.send(UserStoppedSpeakingFrame(speech_end_ns=self._now_ns()))

    async def _final(self, out: Outbox, transcript: str) -> None:
        text, revises = self.text.final(transcript)
        if text:
            await out.send(TranscriptFrame(text=text, revises=revises, speech_end_ns=self._now_ns()))


def check_range(field: str, value: float | None, low: float, high: float, node: str) -> None:
    """A turn threshold's documented range (None: left to the service).

    Raises:
        VoiceError: (invalid_config) naming `field` when `value` is outside [low, high].
    """
    if value is not None and not low <= value <= high:
        raise VoiceError(
            ErrorCode.INVALID_CONFIG, f"{field} must be in [{low}, {high}], got {value}", node=node
        )
