"""The fake's `/v1/listen` (Nova) session: Results, SpeechStarted, UtteranceEnd, Metadata.

Follows shared/protocols/deepgram_stt_ws.md on real audio (see `SpeechEars`):
- interim `Results` (`is_final=false`) every `interim_every_s` of speech when
  `interim_results=true` (a Whisper pass over the segment so far);
- `Results(is_final=true, speech_final=true)` when the VAD has heard `endpointing` ms of
  silence after speech (`endpointing=false`: never);
- `Finalize` => `Results(is_final=true, from_finalize=true)` for the audio so far (an
  empty transcript when there was nothing to finalize: unverified behaviour);
- `SpeechStarted` with `vad_events=true`; `UtteranceEnd` once `utterance_end_ms` of
  audio passed after the last finalized word (needs `interim_results=true`);
- `CloseStream` => the last Results, `Metadata`, close 1000; `KeepAlive` only resets the
  idle timer.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np

from tests.fakes.deepgram_session import FakeSession
from tests.fakes.deepgram_speech import Segment, SpeechEars, Transcriber, words

MODEL_UUID = "00000000-0000-4000-8000-00000000fa4e"


def _flag(query: dict[str, str], name: str) -> bool:
    return query.get(name, "false").lower() == "true"


class NovaSession(FakeSession):
    """One `/v1/listen` connection (query parameters validated by the server)."""

    def __init__(self, *args: Any, transcribe: Transcriber | None, interim_every_s: float, **kw: Any) -> None:
        super().__init__(*args, **kw)
        q = self.query
        endpointing = q.get("endpointing", "10")
        self.endpointing_s = None if endpointing == "false" else int(endpointing) / 1000
        self.interim = _flag(q, "interim_results")
        self.vad_events = _flag(q, "vad_events")
        self.utterance_end_s = int(q["utterance_end_ms"]) / 1000 if "utterance_end_ms" in q else None
        self.model = q.get("model", "nova-3")
        self.ears = SpeechEars(stop_s=self.endpointing_s if self.endpointing_s is not None else 3600.0,
                               transcribe=transcribe)  # fmt: skip
        self._interim_every = interim_every_s
        self._next_interim: float | None = None
        self._last_word_end: float | None = None  # armed UtteranceEnd

    async def on_audio(self, pcm: np.ndarray[Any, Any]) -> None:
        ears = self.ears
        for ev in ears.push(pcm):
            if ev.speaking:
                self._last_word_end = None
                self._next_interim = ears.now_s + self._interim_every
                if self.vad_events:
                    at = ev.speech_ns / 1e9
                    await self.send({"type": "SpeechStarted", "channel": [0, 1], "timestamp": at})
            elif self.endpointing_s is not None:
                await self._final(speech_final=True)
        due = self._next_interim is not None and ears.now_s >= self._next_interim
        if self.interim and ears.speaking and due:
            self._next_interim = ears.now_s + self._interim_every
            text = await ears.transcript()
            if text:
                await self.send(self._results(text, ears.segment, ears.now_s, is_final=False))
        end = self._last_word_end
        if end is not None and self.utterance_end_s is not None and not ears.speaking:
            if ears.now_s >= end + self.utterance_end_s:
                self._last_word_end = None
                await self.send({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": end})

    async def _final(self, *, speech_final: bool, from_finalize: bool = False) -> None:
        ears = self.ears
        had_speech = ears.has_speech()
        text = await ears.transcript()
        seg = ears.cut()
        if not had_speech and not from_finalize:
            return
        msg = self._results(text, seg, ears.now_s, is_final=True, speech_final=speech_final)
        if from_finalize:
            msg["from_finalize"] = True
        if text:
            self._last_word_end = msg["channel"]["alternatives"][0]["words"][-1]["end"]
        await self.send(msg)

    def _results(
        self, text: str, seg: Segment, end_s: float, *, is_final: bool, speech_final: bool = False
    ) -> dict[str, Any]:
        start_s = seg.start_s
        speech_from = seg.speech_start_s if seg.speech_start_s is not None else start_s
        speech_to = seg.speech_end_s if is_final and seg.speech_end_s is not None else end_s
        return {
            "type": "Results", "channel_index": [0, 1], "duration": round(end_s - start_s, 3),
            "start": round(start_s, 3), "is_final": is_final, "speech_final": speech_final,
            "channel": {"alternatives": [{
                "transcript": text, "confidence": 0.9 if text else 0.0,
                "words": words(text, max(speech_from, start_s), max(speech_to, start_s)),
            }]},
            "metadata": {
                "request_id": self.request_id, "model_uuid": MODEL_UUID,
                "model_info": {"name": self.model, "version": "fake", "arch": "whisper-tiny.en"},
            },
        }  # fmt: skip

    async def on_control(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "Finalize":
            await self._final(speech_final=False, from_finalize=True)
        elif kind == "CloseStream":
            if self.ears.has_speech():
                await self._final(speech_final=True)
            await self.send({
                "type": "Metadata", "transaction_key": "deprecated", "request_id": self.request_id,
                "created": datetime.datetime.now(datetime.UTC).isoformat(), "duration": self.ears.now_s,
                "channels": 1,
            })  # fmt: skip
            await self.close(1000)
        elif kind != "KeepAlive":
            await self.close(1008, "DATA-0000")  # not a documented message (code unverified)
