"""The fakes' turn-taking model: a turn-detecting STT's events from real speech.

Shared by the fake Deepgram Flux (`/v2/listen`) and the fake Cartesia turns socket
(`/stt/turns/websocket`): both services document the same state machine
(developers.deepgram.com/docs/flux/state; Cartesia's turn.* events):
Initial -start-> TurnOngoing -eager_end-> AwaitingEnd -resume-> TurnOngoing;
AwaitingEnd or TurnOngoing -end-> Initial (turn_index + 1). `update` every 0.25 s of
audio inside a turn (its transcript refreshed every `refresh_s`). Speech is found by
Silero and read by Whisper (`SpeechEars`), so the events follow the real audio.

The model's end-of-turn confidence is the silence after the last speech over
`full_confidence_s`, capped at 1 (the real models also weigh the words; this one only
the pause): `eager=0.4` fires eager_end after 400 ms of silence with the default 1 s.
`eot_timeout_s` ends a turn by timeout. eager_end always carries a nonempty transcript,
and an end right after one repeats its transcript (Flux's documented rules 2 and 4).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

import numpy as np

from tests.fakes.deepgram_speech import SpeechEars

UPDATE_EVERY_S = 0.25
Event = Literal["start", "update", "eager_end", "resume", "end"]
Emit = Callable[[Event, str, float, "str | None"], Awaitable[None]]
"""(event, turn transcript, end-of-turn confidence, end trigger) -> sent."""


class TurnModel:
    """One connection's turn state, fed the connection's audio in order.

    Args:
        ears: the connection's VAD and STT.
        emit: sends one event (see `Emit`).
        eager: confidence that fires eager_end (None: never).
        eot: confidence that ends the turn.
        eot_timeout_s: silence that ends the turn whatever the confidence.
        full_confidence_s: silence at which the model is sure the turn ended.
        refresh_s: least audio between two transcriptions for `update`.
    """

    def __init__(
        self, ears: SpeechEars, emit: Emit, *, eager: float | None, eot: float, eot_timeout_s: float,
        full_confidence_s: float = 1.0, refresh_s: float = 1.0,
    ) -> None:  # fmt: skip
        self.ears = ears
        self._emit = emit
        self.eager = eager
        self.eot = eot
        self.eot_timeout_s = eot_timeout_s
        self._full_s = full_confidence_s
        self._refresh_s = refresh_s
        self.state = "Initial"
        self.turn_index = 0
        self._transcript = ""
        self._refreshed_at = 0.0
        self._next_update = 0.0
        self._eager_text = ""

    @property
    def eager_text(self) -> str:
        """The transcript of the last eager_end in this turn."""
        return self._eager_text

    def silence_s(self) -> float:
        """Silence since the last speech (0 while speaking or before any)."""
        end = self.ears.segment.speech_end_s
        if self.ears.speaking or end is None:
            return 0.0
        return max(0.0, self.ears.now_s - end)

    def confidence(self) -> float:
        """End-of-turn confidence now."""
        return min(1.0, self.silence_s() / self._full_s)

    async def push(self, pcm: np.ndarray[Any, Any]) -> None:
        """Hear audio; emits what it changes."""
        ears = self.ears
        for ev in ears.push(pcm):
            if not ev.speaking:
                if self.state == "TurnOngoing" and self.eager is not None:
                    await self._refresh(force=True)  # read the words now, while the pause grows
                continue
            if self.state == "Initial":
                self.state = "TurnOngoing"
                self._transcript, self._refreshed_at = "", ears.now_s
                self._next_update = ears.now_s + UPDATE_EVERY_S
                await self._emit("start", "", 0.0, None)
            elif self.state == "AwaitingEnd":
                self.state = "TurnOngoing"
                await self._emit("resume", self._eager_text, 0.0, None)
        if self.state != "Initial":
            await self._advance()

    async def _advance(self) -> None:
        silence, confidence = self.silence_s(), self.confidence()
        eager = self.eager is not None and confidence >= self.eager
        if silence > 0.0 and self.state == "TurnOngoing" and eager:
            end = self.ears.segment.speech_end_s or 0.0
            text = await self._refresh(force=self._refreshed_at < end)
            if text:
                self.state, self._eager_text = "AwaitingEnd", text
                await self._emit("eager_end", text, confidence, None)
                return
        if silence > 0.0 and (confidence >= self.eot or silence >= self.eot_timeout_s):
            await self.end_turn("model" if confidence >= self.eot else "timeout", confidence)
            return
        if self.ears.now_s >= self._next_update:
            self._next_update = self.ears.now_s + UPDATE_EVERY_S
            text = await self._refresh(force=False)
            await self._emit("update", text, confidence, None)

    async def _refresh(self, *, force: bool) -> str:
        ears = self.ears
        if force or ears.now_s - self._refreshed_at >= self._refresh_s:
            self._transcript, self._refreshed_at = await ears.transcript(), ears.now_s
        return self._transcript

    async def end_turn(self, trigger: str, confidence: float) -> None:
        """End the open turn now (`trigger`: model, timeout or manual)."""
        if self.state == "AwaitingEnd":
            text = self._eager_text  # rule 4: the end repeats the eager end's transcript
        else:
            text = await self._refresh(force=True)
        await self._emit("end", text, confidence, trigger)
        self.ears.cut()
        self.state, self._eager_text, self._transcript = "Initial", "", ""
        self.turn_index += 1
