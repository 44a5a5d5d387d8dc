"""One fake Cartesia turns socket (`/stt/turns/websocket`, "auto finalize", model `ink-2`).

Follows shared/protocols/cartesia_tts_ws.md section 6 and the official SDK's types
(cartesia 4.2.0, `types/stt/stt_auto_finalize_*`). Query: `model` (`ink-2`), `encoding`
and `sample_rate` required; `keyterm` (repeated), `turn_start_threshold` (0.5-0.9),
`turn_end_threshold` (0.05-0.5), `turn_eager_end_threshold` (0.3-0.6; end < eager <
start) and `turn_end_timeout_ms` (640-11200) optional. A bad query gets an `error`
(status 400) and a close 1008. Then `connected`, and per turn, from the fakes'
`TurnModel` on the real audio (Silero, Whisper): `turn.start`, `turn.update`
(cumulative `transcript`), `turn.eager_end` (cumulative), `turn.resume`, `turn.end`
(the turn's transcript), each with `request_id`.

Cartesia's thresholds are the probability that the user goes on: a turn ends when it
falls below `end_threshold`. The fake's probability is 1 - silence / `turn_full_s`, so
with the default 1 s `eager_end_threshold=0.4` fires after 600 ms of silence and
`end_threshold=0.2` after 800 ms; `start_threshold` is accepted but the start is
Silero's (the documented meaning of "start" past the names is unverified).
`{"type":"config","turn":{...}}` changes the thresholds (no answer is documented; an
out-of-range value gets an `error` event and the socket stays open);
`{"type":"close"}` ends an open turn (`turn.end`: "all buffered audio will be
processed into events") and closes 1000. Other text gets an `error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from tests.fakes.cartesia_audio import STT_ENCODINGS, decode
from tests.fakes.cartesia_stt_session import transcribe
from tests.fakes.deepgram_speech import SpeechEars
from tests.fakes.turn_model import Event, TurnModel

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

    from tests.fakes.cartesia_server import FakeCartesia

RANGES = {"start_threshold": (0.5, 0.9), "end_threshold": (0.05, 0.5),
          "eager_end_threshold": (0.3, 0.6), "end_timeout_ms": (640.0, 11200.0)}  # fmt: skip
DEFAULTS = {
    "start_threshold": 0.8,
    "end_threshold": 0.2,
    "eager_end_threshold": 0.4,
    "end_timeout_ms": 5600.0,
}


def turn_problem(turn: dict[str, float]) -> str:
    """Why turn settings are refused ("" when they are fine)."""
    for field, (low, high) in RANGES.items():
        if not low <= turn[field] <= high:
            return f"{field} must be in [{low}, {high}]"
    if not turn["end_threshold"] < turn["eager_end_threshold"] < turn["start_threshold"]:
        return "thresholds must keep end < eager_end < start"
    return ""


class TurnsSession:
    """Serves one turns socket until `close` or the client goes away."""

    def __init__(self, ws: ServerConnection, server: FakeCartesia, conn_id: int, query: str) -> None:
        self._ws = ws
        self._server = server
        self._conn = conn_id
        lists = parse_qs(query)
        self.keyterms = lists.get("keyterm", [])
        self._params = {k: v[-1] for k, v in lists.items()}
        self.turn = dict(DEFAULTS)
        """The turn settings in force (Cartesia's names, without the `turn_` prefix)."""
        self._request_id = f"stt_turns_req_{conn_id}"
        self.model: TurnModel | None = None

    def _problem(self) -> str:
        p = self._params
        if p.get("model") != "ink-2":
            return f"Invalid model {p.get('model')!r}: the turns endpoint takes ink-2"
        if p.get("encoding") not in STT_ENCODINGS:
            return f"Invalid encoding {p.get('encoding')!r}"
        if not p.get("sample_rate", "").isdigit():
            return "sample_rate is required"
        try:
            for field in RANGES:
                if f"turn_{field}" in p:
                    self.turn[field] = float(p[f"turn_{field}"])
        except ValueError:
            return "turn thresholds must be numbers"
        return turn_problem(self.turn)

    def _apply(self) -> None:
        assert self.model is not None
        self.model.eager = 1.0 - self.turn["eager_end_threshold"]
        self.model.eot = 1.0 - self.turn["end_threshold"]
        self.model.eot_timeout_s = self.turn["end_timeout_ms"] / 1000

    async def run(self) -> None:
        problem = self._problem()
        if problem:
            await self._error(problem)
            await self._ws.close(1008, "invalid request")
            return
        ears = SpeechEars(stop_s=0.05, transcribe=transcribe)
        self.model = TurnModel(ears, self._turn, eager=None, eot=1.0, eot_timeout_s=60.0,
                               full_confidence_s=self._server.turn_full_s)  # fmt: skip
        self._apply()
        await self._send({"type": "connected", "request_id": self._request_id})
        rate, encoding = int(self._params["sample_rate"]), self._params["encoding"]
        async for raw in self._ws:
            if isinstance(raw, bytes):
                self._server.record("turns", self._conn, {"audio_bytes": len(raw)})
                await self.model.push(decode(raw, encoding, rate))
            elif not await self._command(raw):
                return

    async def _command(self, raw: str) -> bool:
        """One JSON command; False when the session is over."""
        assert self.model is not None
        try:
            command = json.loads(raw)
        except ValueError:
            command = {"type": raw[:40]}
        self._server.record("turns", self._conn, command if isinstance(command, dict) else {"type": "?"})
        kind = command.get("type") if isinstance(command, dict) else None
        if kind == "close":
            if self.model.state != "Initial":
                await self.model.end_turn("model", 1.0)
            await self._ws.close()
            return False
        if kind == "config":
            turn = {
                **self.turn,
                **{k: float(v) for k, v in (command.get("turn") or {}).items() if k in RANGES},
            }
            problem = turn_problem(turn)
            if problem:
                await self._error(problem)
            else:
                self.turn = turn
                self._apply()
            return True
        await self._error(f"Unknown command {kind!r}: send close or config")
        return True

    async def _turn(self, event: Event, text: str, confidence: float, trigger: str | None) -> None:
        if self._server.faults.stall_s:
            await asyncio.sleep(self._server.faults.stall_s)
        message: dict[str, Any] = {"type": f"turn.{event}", "request_id": self._request_id}
        if event in ("update", "eager_end", "end"):
            message["transcript"] = text
        await self._send(message)

    async def _error(self, message: str) -> None:
        await self._send({"type": "error", "title": "Invalid request", "message": message, "status_code": 400,
                          "error_code": "invalid_request", "request_id": self._request_id})  # fmt: skip

    async def _send(self, event: dict[str, Any]) -> None:
        self._server.sent(self._conn, event)
        with contextlib.suppress(Exception):
            await self._ws.send(json.dumps(event))
