"""The fake's `/v2/listen` (Flux) session: `Connected`, then `TurnInfo` events per turn.

The turn events come from the fakes' shared `TurnModel` (Flux's documented state
machine, driven by Silero and Whisper on the real audio), named as Flux names them:
StartOfTurn, Update, EagerEndOfTurn, TurnResumed, EndOfTurn. The model's
`end_of_turn_confidence` is the silence after the last speech over
`full_confidence_s` (1.0 s): so `eager_eot_threshold=0.4` fires EagerEndOfTurn after
400 ms of silence and `eot_threshold=0.7` EndOfTurn after 700 ms. `eot_timeout_ms`
ends a turn by timeout. `ForceEndTurn` ends the turn (`trigger: manual`), `Configure`
changes thresholds (`ConfigureSuccess`), `CloseStream` ends an open turn and closes 1000.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.fakes.deepgram_session import FakeSession
from tests.fakes.deepgram_speech import SpeechEars, Transcriber, words
from tests.fakes.turn_model import Event, TurnModel

FLUX_NAMES: dict[Event, str] = {
    "start": "StartOfTurn", "update": "Update", "eager_end": "EagerEndOfTurn",
    "resume": "TurnResumed", "end": "EndOfTurn",
}  # fmt: skip


class FluxSession(FakeSession):
    """One `/v2/listen` connection (query parameters validated by the server)."""

    def __init__(self, *args: Any, transcribe: Transcriber | None, full_confidence_s: float = 1.0,
                 refresh_s: float = 1.0, **kw: Any) -> None:  # fmt: skip
        super().__init__(*args, **kw)
        q = self.query
        self.ears = SpeechEars(stop_s=0.05, transcribe=transcribe)
        self.turns = TurnModel(
            self.ears, self._turn_info,
            eager=float(q["eager_eot_threshold"]) if "eager_eot_threshold" in q else None,
            eot=float(q.get("eot_threshold", "0.7")),
            eot_timeout_s=int(q.get("eot_timeout_ms", "5000")) / 1000,
            full_confidence_s=full_confidence_s, refresh_s=refresh_s,
        )  # fmt: skip
        self._seq = 0

    async def start(self) -> None:
        """Send `Connected`."""
        await self._emit({"type": "Connected", "request_id": self.request_id})

    async def _emit(self, message: dict[str, Any]) -> None:
        message["sequence_id"] = self._seq
        self._seq += 1
        await self.send(message)

    async def _turn_info(self, event: Event, text: str, confidence: float, trigger: str | None) -> None:
        seg = self.ears.segment
        start = seg.speech_start_s if seg.speech_start_s is not None else seg.start_s
        end = self.ears.now_s
        msg: dict[str, Any] = {
            "type": "TurnInfo", "request_id": self.request_id, "event": FLUX_NAMES[event],
            "turn_index": self.turns.turn_index,
            "audio_window_start": round(seg.start_s, 3), "audio_window_end": round(end, 3),
            "transcript": text, "words": [
                {"word": w["punctuated_word"], "confidence": w["confidence"],
                 "start": w["start"], "end": w["end"]} for w in words(text, start, end)
            ],
            "end_of_turn_confidence": round(confidence, 3),
        }  # fmt: skip
        if trigger is not None:
            msg["trigger"] = trigger
        await self._emit(msg)

    async def on_audio(self, pcm: np.ndarray[Any, Any]) -> None:
        await self.turns.push(pcm)

    async def on_control(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "ForceEndTurn":
            if self.turns.state != "Initial":
                await self.turns.end_turn("manual", self.turns.confidence())
        elif kind == "Configure":
            await self._configure(event)
        elif kind == "CloseStream":
            if self.turns.state != "Initial":
                await self.turns.end_turn("model", 1.0)
            await self.close(1000)
        else:
            await self._emit({"type": "Error", "code": "UNPARSABLE_CLIENT_MESSAGE",
                              "description": f"unknown message type {kind!r}"})  # fmt: skip
            await self.close(1011, "unknown client message")

    async def _configure(self, event: dict[str, Any]) -> None:
        th = event.get("thresholds") or {}
        t = self.turns
        eager, eot = th.get("eager_eot_threshold", t.eager), th.get("eot_threshold", t.eot)
        timeout_ms = th.get("eot_timeout_ms", round(t.eot_timeout_s * 1000))
        if not _valid(eager, eot, timeout_ms):
            await self._emit({
                "type": "ConfigureFailure", "request_id": self.request_id,
                "code": "INVALID_THRESHOLDS", "description": "threshold out of range",
            })  # fmt: skip
            return
        t.eager, t.eot, t.eot_timeout_s = eager, float(eot), int(timeout_ms) / 1000
        await self._emit({
            "type": "ConfigureSuccess", "request_id": self.request_id,
            "thresholds": {"eager_eot_threshold": t.eager, "eot_threshold": t.eot,
                           "eot_timeout_ms": round(t.eot_timeout_s * 1000)},
            "keyterms": [],
        })  # fmt: skip


def _valid(eager: float | None, eot: float, timeout_ms: int) -> bool:
    """Documented ranges: eager 0.3-0.9, eot 0.5-1.0, eot_timeout_ms 500-60000."""
    ok = 0.5 <= float(eot) <= 1.0 and 500 <= int(timeout_ms) <= 60000
    return ok and (eager is None or 0.3 <= float(eager) <= 0.9)


def valid_flux_query(query: dict[str, str]) -> str | None:
    """Why a `/v2/listen` query is refused (HTTP 400), or None."""
    if not query.get("model", "").startswith("flux"):
        return "model must be a flux model"
    if query.get("encoding", "linear16") != "linear16" or query.get("sample_rate", "16000") != "16000":
        return "the fake takes linear16 at 16000 Hz only"
    try:
        eager = float(query["eager_eot_threshold"]) if "eager_eot_threshold" in query else None
        ok = _valid(eager, float(query.get("eot_threshold", "0.7")), int(query.get("eot_timeout_ms", "5000")))
    except ValueError:
        return "thresholds must be numbers"
    return None if ok else "threshold out of range"
