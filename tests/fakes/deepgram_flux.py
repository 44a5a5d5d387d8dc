"""The fake's `/v2/listen` (Flux) session: `Connected`, then `TurnInfo` events per turn.

Flux's documented state machine (developers.deepgram.com/docs/flux/state), driven by
the fake's VAD and Whisper on the real audio:
Initial -StartOfTurn-> TurnOngoing -EagerEndOfTurn-> AwaitingEnd -TurnResumed-> TurnOngoing;
AwaitingEnd or TurnOngoing -EndOfTurn-> Initial (turn_index + 1). `Update` every 0.25 s
of audio inside a turn (its transcript refreshed every `refresh_s`).

The fake's `end_of_turn_confidence` is the silence after the last speech over
`full_confidence_s` (1.0 s), capped at 1: so `eager_eot_threshold=0.4` fires
EagerEndOfTurn after 400 ms of silence and `eot_threshold=0.7` EndOfTurn after 700 ms
(the real model also weighs the words; this one only the pause). `eot_timeout_ms`
ends a turn by timeout. EagerEndOfTurn always carries a nonempty transcript, and an
EndOfTurn right after one repeats its transcript (documented rules 2 and 4).
`ForceEndTurn` ends the turn (`trigger: manual`), `Configure` changes thresholds
(`ConfigureSuccess`), `CloseStream` ends an open turn and closes 1000.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.fakes.deepgram_session import FakeSession
from tests.fakes.deepgram_speech import SpeechEars, Transcriber, words

UPDATE_EVERY_S = 0.25


class FluxSession(FakeSession):
    """One `/v2/listen` connection (query parameters validated by the server)."""

    def __init__(self, *args: Any, transcribe: Transcriber | None, full_confidence_s: float = 1.0,
                 refresh_s: float = 1.0, **kw: Any) -> None:  # fmt: skip
        super().__init__(*args, **kw)
        q = self.query
        self.eager = float(q["eager_eot_threshold"]) if "eager_eot_threshold" in q else None
        self.eot = float(q.get("eot_threshold", "0.7"))
        self.eot_timeout_s = int(q.get("eot_timeout_ms", "5000")) / 1000
        self.ears = SpeechEars(stop_s=0.05, transcribe=transcribe)
        self._full_s = full_confidence_s
        self._refresh_s = refresh_s
        self.state = "Initial"
        self.turn_index = 0
        self._seq = 0
        self._transcript = ""
        self._refreshed_at = 0.0
        self._next_update = 0.0
        self._eager_text = ""

    async def start(self) -> None:
        """Send `Connected`."""
        await self._emit({"type": "Connected", "request_id": self.request_id})

    async def _emit(self, message: dict[str, Any]) -> None:
        message["sequence_id"] = self._seq
        self._seq += 1
        await self.send(message)

    async def _turn_info(self, event: str, text: str, confidence: float, trigger: str | None = None) -> None:
        seg = self.ears.segment
        start = seg.speech_start_s if seg.speech_start_s is not None else seg.start_s
        end = self.ears.now_s
        msg: dict[str, Any] = {
            "type": "TurnInfo", "request_id": self.request_id, "event": event, "turn_index": self.turn_index,
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

    def _silence_s(self) -> float:
        end = self.ears.segment.speech_end_s
        if self.ears.speaking or end is None:
            return 0.0
        return max(0.0, self.ears.now_s - end)

    async def on_audio(self, pcm: np.ndarray[Any, Any]) -> None:
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
                await self._turn_info("StartOfTurn", "", 0.0)
            elif self.state == "AwaitingEnd":
                self.state = "TurnOngoing"
                await self._turn_info("TurnResumed", self._eager_text, 0.0)
        if self.state != "Initial":
            await self._advance()

    async def _advance(self) -> None:
        ears = self.ears
        silence = self._silence_s()
        confidence = min(1.0, silence / self._full_s)
        eager = self.eager is not None and confidence >= self.eager
        if silence > 0.0 and self.state == "TurnOngoing" and eager:
            end = self.ears.segment.speech_end_s or 0.0
            text = await self._refresh(force=self._refreshed_at < end)
            if text:
                self.state, self._eager_text = "AwaitingEnd", text
                await self._turn_info("EagerEndOfTurn", text, confidence)
                return
        if silence > 0.0 and (confidence >= self.eot or silence >= self.eot_timeout_s):
            await self._end_turn("model" if confidence >= self.eot else "timeout", confidence)
            return
        if ears.now_s >= self._next_update:
            self._next_update = ears.now_s + UPDATE_EVERY_S
            text = await self._refresh(force=False)
            await self._turn_info("Update", text, confidence)

    async def _refresh(self, *, force: bool) -> str:
        ears = self.ears
        if force or ears.now_s - self._refreshed_at >= self._refresh_s:
            self._transcript, self._refreshed_at = await ears.transcript(), ears.now_s
        return self._transcript

    async def _end_turn(self, trigger: str, confidence: float) -> None:
        if self.state == "AwaitingEnd":
            text = self._eager_text  # rule 4: EndOfTurn repeats the EagerEndOfTurn transcript
        else:
            text = await self._refresh(force=True)
        await self._turn_info("EndOfTurn", text, confidence, trigger)
        self.ears.cut()
        self.state, self._eager_text, self._transcript = "Initial", "", ""
        self.turn_index += 1

    async def on_control(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "ForceEndTurn":
            if self.state != "Initial":
                await self._end_turn("manual", min(1.0, self._silence_s() / self._full_s))
        elif kind == "Configure":
            await self._configure(event)
        elif kind == "CloseStream":
            if self.state != "Initial":
                await self._end_turn("model", 1.0)
            await self.close(1000)
        else:
            await self._emit({"type": "Error", "code": "UNPARSABLE_CLIENT_MESSAGE",
                              "description": f"unknown message type {kind!r}"})  # fmt: skip
            await self.close(1011, "unknown client message")

    async def _configure(self, event: dict[str, Any]) -> None:
        th = event.get("thresholds") or {}
        eager, eot = th.get("eager_eot_threshold", self.eager), th.get("eot_threshold", self.eot)
        timeout_ms = th.get("eot_timeout_ms", round(self.eot_timeout_s * 1000))
        if not _valid(eager, eot, timeout_ms):
            await self._emit({
                "type": "ConfigureFailure", "request_id": self.request_id,
                "code": "INVALID_THRESHOLDS", "description": "threshold out of range",
            })  # fmt: skip
            return
        self.eager, self.eot, self.eot_timeout_s = eager, float(eot), int(timeout_ms) / 1000
        await self._emit({
            "type": "ConfigureSuccess", "request_id": self.request_id,
            "thresholds": {"eager_eot_threshold": self.eager, "eot_threshold": self.eot,
                           "eot_timeout_ms": round(self.eot_timeout_s * 1000)},
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
