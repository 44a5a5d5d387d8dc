"""DeepgramFluxSTT: Deepgram Flux (`/v2/listen`) as a turn-taking STT node."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    InputAudioFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.stt.deepgram_node import DEFAULT_BASE_URL, DeepgramNode
from voicegraph.processors.stt.turn_events import TurnEvent, TurnEvents, check_range

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat

log = logging.getLogger(__name__)
FLUX_EVENTS: dict[str, TurnEvent] = {
    "StartOfTurn": "start", "Update": "update", "EagerEndOfTurn": "eager_end",
    "TurnResumed": "resume", "EndOfTurn": "end",
}  # fmt: skip


class DeepgramFluxSTT(DeepgramNode):
    """Deepgram Flux: speech recognition with the turn detection built in.

    Replaces the VAD, the turn detector and the STT of a voice-agent graph. Handles:
    InputAudioFrame (16 kHz mono s16, all of it streamed). Emits, per Flux `TurnInfo` event
    (the mapping is `TurnEvents`, shared with `CartesiaTurnsSTT`):

    - `StartOfTurn` -> an interruption request (barge-in, with `interrupt_on_start`) and
      UserStartedSpeakingFrame;
    - `Update` -> InterimTranscriptFrame (when the text changed);
    - `EagerEndOfTurn` (only with `eager_eot_threshold`) -> UserStoppedSpeakingFrame and
      TranscriptFrame(final) of the words so far: a `UserAggregator(preemptive=True)`
      starts the reply now, held by a `ReplyGate` until the turn ends;
    - `TurnResumed` -> UserStartedSpeakingFrame: the aggregator drops the prepared reply
      (an interruption flushes the reply path) and keeps the words;
    - `EndOfTurn` -> TranscriptFrame(final) of the words not yet given, a
      UserStoppedSpeakingFrame if none was sent, and TurnEndFrame: the held reply plays
      (or, without eager mode, the aggregator asks for the reply now).

    Each final carries only words not given before in the turn (Flux sends the whole
    turn's transcript each time; the aggregator joins finals); when Flux revised words
    already given (after an eager end), the final carries the whole turn marked
    `revises`, and the aggregator replaces the turn's words (see `FluxTurnText`). If the socket drops, it
    reconnects and resends the audio of the open turn. Latency: Flux's end-of-turn
    decision (set by `eot_threshold`/`eot_timeout_ms`) plus the network. Not
    interruptible. Drain: `CloseStream`; Flux ends an open turn.

    Args:
        model: `flux-general-en` (or `flux-general-multi`).
        eager_eot_threshold: 0.3-0.9 turns eager mode on (None: off).
        eot_threshold: 0.5-1.0, confidence for EndOfTurn (Deepgram's default 0.7).
        eot_timeout_ms: 500-60000, silence that ends a turn whatever the confidence.
        keyterms: `keyterm` boosts.
        interrupt_on_start: request an interruption at each StartOfTurn (barge-in).
        api_key, api_key_env, base_url, reconnects: as for `DeepgramSTT`.

    Raises:
        VoiceError: `invalid_config` naming `api_key` without a key, or naming a threshold
            out of its documented range.
    """

    path = "/v2/listen"
    latency = LatencySpec(ms=250.0, note="Flux end-of-turn decision after speech ends (eot_threshold)")

    def __init__(
        self,
        *,
        model: str = "flux-general-en",
        eager_eot_threshold: float | None = None,
        eot_threshold: float | None = None,
        eot_timeout_ms: int | None = None,
        keyterms: list[str] | None = None,
        interrupt_on_start: bool = True,
        api_key: str | None = None,
        api_key_env: str = "DEEPGRAM_API_KEY",
        base_url: str = DEFAULT_BASE_URL,
        reconnects: int = 3,
        name: str | None = None,
    ) -> None:
        super().__init__(api_key=api_key, api_key_env=api_key_env, base_url=base_url, reconnects=reconnects,
                         drain_timeout_s=3.0, name=name)  # fmt: skip
        check_range("eager_eot_threshold", eager_eot_threshold, 0.3, 0.9, self.name)
        check_range("eot_threshold", eot_threshold, 0.5, 1.0, self.name)
        check_range("eot_timeout_ms", eot_timeout_ms, 500, 60000, self.name)
        self._query: dict[str, Any] = {
            "model": model, "encoding": "linear16", "sample_rate": 16000,
            "eager_eot_threshold": eager_eot_threshold, "eot_threshold": eot_threshold,
            "eot_timeout_ms": eot_timeout_ms,
        }  # fmt: skip
        self._keyterms = list(keyterms or [])
        self._turns = TurnEvents(now_ns=lambda: self.clock.now_ns(), interrupt=interrupt_on_start)
        self._text = self._turns.text
        self.events: list[str] = []
        """TurnInfo events received, in order (for inspection)."""

    def query(self) -> dict[str, str | int | float | bool | None]:
        """Query parameters (unset thresholds are left to the service's defaults)."""
        return dict(self._query)

    @property
    def url(self) -> str:
        """The full `/v2/listen` URL (one `keyterm` parameter per term)."""
        return super().url + "".join(f"&keyterm={t}" for t in self._keyterms)

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """Text and turn events only."""
        return None

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        self._turns.heard(frame.data)
        await self.socket.send_audio(frame.data)

    async def configure(
        self, *, eager_eot_threshold: float | None = None, eot_threshold: float | None = None,
        eot_timeout_ms: int | None = None,
    ) -> None:  # fmt: skip
        """Change thresholds mid-session (`Configure`; the service answers ConfigureSuccess)."""
        given = {"eager_eot_threshold": eager_eot_threshold, "eot_threshold": eot_threshold,
                 "eot_timeout_ms": eot_timeout_ms}  # fmt: skip
        thresholds = {k: v for k, v in given.items() if v is not None}
        await self.socket.send_json({"type": "Configure", "thresholds": thresholds})

    async def on_message(self, message: dict[str, Any]) -> None:
        """TurnInfo events to turn frames; errors to the bus."""
        kind = message.get("type")
        if kind == "TurnInfo":
            await self._on_turn(str(message.get("event")), str(message.get("transcript", "")).strip())
        elif kind == "Error":
            msg = f"Flux error {message.get('code')}: {message.get('description')}"
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, msg, node=self.name)
        elif kind in ("Warning", "ConfigureFailure"):
            log.warning("%s: Flux %s: %s", self.name, kind, message.get("description"))

    async def _on_turn(self, event: str, transcript: str) -> None:
        self.events.append(event)
        kind = FLUX_EVENTS.get(event)
        if kind is not None:
            await self._turns.on_event(self.outbox, kind, transcript)

    async def on_reconnect(self) -> None:
        """Resend the open turn's audio; the new connection's StartOfTurn continues that
        turn (no second start, no word given twice)."""
        self._turns.reconnected()
        for chunk in self._turns.replay():
            await self.socket.send_audio(chunk)
