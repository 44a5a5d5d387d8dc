"""CartesiaTurnsSTT: Cartesia Ink's turn-based endpoint (`/stt/turns/websocket`) as a turn-taking STT."""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar
from urllib.parse import urlencode

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K, AudioFormat
from voicegraph.framework.frames import InputAudioFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.stt.turn_events import TURN_EVENTS, TurnEvent, TurnEvents, check_range
from voicegraph.processors.tts.cartesia_node import CartesiaNode
from voicegraph.processors.tts.cartesia_socket import (
    API_VERSION,
    CartesiaAccess,
    CartesiaSocket,
    service_error,
)

PATH = "/stt/turns/websocket"
CARTESIA_EVENTS: dict[str, TurnEvent] = {f"turn.{e}": e for e in TURN_EVENTS}
RANGES = {"start_threshold": (0.5, 0.9), "end_threshold": (0.05, 0.5),
          "eager_end_threshold": (0.3, 0.6), "end_timeout_ms": (640, 11200)}  # fmt: skip
DEFAULTS = {"start_threshold": 0.8, "end_threshold": 0.2, "eager_end_threshold": 0.4}
"""Cartesia's documented defaults (for the end < eager_end < start rule)."""


def check_turn(given: dict[str, float | None], current: dict[str, float], node: str) -> dict[str, float]:
    """The turn settings after `given` (None: unchanged), checked against Cartesia's rules.

    Raises:
        VoiceError: (invalid_config) naming the field out of its documented range, or
            `end_threshold` when end < eager_end < start no longer holds.
    """
    for field, (low, high) in RANGES.items():
        check_range(field, given.get(field), low, high, node)
    turn = {**current, **{k: v for k, v in given.items() if v is not None}}
    t = {**DEFAULTS, **turn}
    if not t["end_threshold"] < t["eager_end_threshold"] < t["start_threshold"]:
        msg = f"end_threshold < eager_end_threshold < start_threshold must hold, got {t}"
        raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=node)
    return turn


class CartesiaTurnsSTT(CartesiaNode):
    """Cartesia Ink with turn detection built in (`ink-2`, "auto finalize").

    Replaces the VAD, the turn detector and the STT of a voice-agent graph, as
    `DeepgramFluxSTT` does. Handles: InputAudioFrame (16 kHz mono s16, all of it
    streamed). Emits per Cartesia event (mapping in `TurnEvents`): `turn.start` -> an
    interruption request (with `interrupt_on_start`) and UserStartedSpeakingFrame;
    `turn.update` -> InterimTranscriptFrame; with `eager`, `turn.eager_end` ->
    UserStoppedSpeakingFrame and TranscriptFrame(final) (a `UserAggregator(preemptive=True)`
    prepares the reply, a `ReplyGate` holds it) and `turn.resume` ->
    UserStartedSpeakingFrame (the prepared reply is dropped); `turn.end` ->
    TranscriptFrame(final) of the words not given yet (or the whole turn marked
    `revises`), UserStoppedSpeakingFrame, TurnEndFrame. Cartesia sends eager events
    whatever the settings (its eager threshold defaults to 0.4); without `eager` they
    are only recorded in `events`.

    Latency: Cartesia's end-of-turn decision (`end_threshold`, `end_timeout_ms`) plus
    the network; the node's own cost is one JSON decode and one graph hop. Not
    interruptible. A socket that drops is reopened at once (`reconnects` tries), and the
    open turn's audio is sent again: the service restarts its turn state, and the turn
    goes on without a second start in the graph. Drain: `{"type":"close"}`, then the
    service's last events until it closes (at most `close_timeout_s`).

    Args:
        model: `ink-2` (the only turns model documented).
        start_threshold: 0.5-0.9; end_threshold: 0.05-0.5; eager_end_threshold:
            0.3-0.6 (end < eager_end < start); end_timeout_ms: 640-11200. None:
            Cartesia's default.
        keyterms: `keyterm` boosts.
        eager: map the eager end and resume events to frames.
        interrupt_on_start: request an interruption at each turn start (barge-in).
        api_key_env, base_url, api_version, open_timeout_s: as for `CartesiaSTT`.
        reconnects: tries to reopen a dropped socket (spaced by retry_s, doubling).
        close_timeout_s: longest wait for the service's close at drain.

    Raises:
        VoiceError: (invalid_config) the key's variable is unset, or a threshold is out
            of its documented range (the message names the field).
    """

    concurrent: ClassVar[bool] = True
    interruptible = False  # user input path: barge-in must not cut the transcription
    background_output: ClassVar[bool] = True  # frames come from the socket reader
    accepts: tuple[AudioFormat, ...] | None = (PCM16K,)
    latency = LatencySpec(ms=250.0, note="Cartesia end-of-turn decision after speech ends (end_threshold)")

    def __init__(
        self,
        *,
        model: str = "ink-2",
        start_threshold: float | None = None,
        end_threshold: float | None = None,
        eager_end_threshold: float | None = None,
        end_timeout_ms: int | None = None,
        keyterms: list[str] | None = None,
        eager: bool = False,
        interrupt_on_start: bool = True,
        api_key_env: str = "CARTESIA_API_KEY",
        base_url: str | None = None,
        api_version: str = API_VERSION,
        open_timeout_s: float = 5.0,
        reconnects: int = 3,
        retry_s: float = 0.2,
        close_timeout_s: float = 3.0,
        name: str | None = None,
    ) -> None:
        super().__init__(open_timeout_s=open_timeout_s, name=name)
        given = {"start_threshold": start_threshold, "end_threshold": end_threshold,
                 "eager_end_threshold": eager_end_threshold, "end_timeout_ms": end_timeout_ms}  # fmt: skip
        self.turn = check_turn(given, {}, self.name)
        """The turn settings sent so far (unset ones are Cartesia's defaults)."""
        self._access = CartesiaAccess.resolve(
            api_key_env=api_key_env, base_url=base_url, version=api_version, node=self.name
        )
        self._model = model
        self._keyterms = list(keyterms or [])
        self._eager = eager
        self._turns = TurnEvents(now_ns=lambda: self.clock.now_ns(), interrupt=interrupt_on_start)
        self._reconnects, self._retry_s, self._close_timeout = reconnects, retry_s, close_timeout_s
        self._closing = False
        self._closed = asyncio.Event()
        self._reconnecting = False
        self._backlog: list[bytes] = []
        self._next_try = 0.0
        self.events: list[str] = []
        """Event types received, in order (for inspection)."""

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """Text and turn events only."""
        return None

    def _socket_url(self) -> str:
        query: dict[str, object] = {"model": self._model, "encoding": "pcm_s16le", "sample_rate": PCM16K.rate}
        query.update({f"turn_{k}": v for k, v in self.turn.items()})
        url = self._access.url(PATH, query)
        return url + "".join("&" + urlencode({"keyterm": t}) for t in self._keyterms)

    def _on_connect(self) -> None:
        self._closed.clear()

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        self._turns.heard(frame.data)
        if self._reconnecting:
            self._backlog.append(frame.data)  # sent after the replay, in order
            return
        sock = self._socket
        if sock is None or not sock.is_open:
            if self._ctx is not None and not self._closing and time.monotonic() >= self._next_try:
                self._reconnecting = True  # this chunk is in the replay
                self._ctx.spawn(self._reconnect(), name=f"{self.name}:reconnect")
            return
        try:
            await sock.send(frame.data)
        except VoiceError:
            pass  # the reader sees the close and reconnects; this chunk is in the replay

    async def configure(
        self, *, start_threshold: float | None = None, end_threshold: float | None = None,
        eager_end_threshold: float | None = None, end_timeout_ms: int | None = None,
    ) -> None:  # fmt: skip
        """Change the turn settings mid-session (`config` command; kept for reconnects).

        Raises:
            VoiceError: (invalid_config) a value out of range (nothing is sent);
                (connection_failed) no open socket.
        """
        given = {"start_threshold": start_threshold, "end_threshold": end_threshold,
                 "eager_end_threshold": eager_end_threshold, "end_timeout_ms": end_timeout_ms}  # fmt: skip
        self.turn = check_turn(given, self.turn, self.name)
        sock = await self._connected()
        await sock.send({"type": "config", "turn": {k: v for k, v in given.items() if v is not None}})

    async def on_drain(self, out: Outbox) -> None:
        self._closing = True
        sock = self._socket
        if sock is None or not sock.is_open:
            return
        try:
            await sock.send({"type": "close"})
            async with asyncio.timeout(self._close_timeout):
                await self._closed.wait()
        except (VoiceError, TimeoutError):
            pass  # closing anyway
        self._socket = None
        await sock.close()

    async def _read(self, sock: CartesiaSocket) -> None:
        async for event in sock.events():
            await self._on_event(event)
        self._closed.set()
        if self._socket is sock and not self._closing:
            self._socket = None
            self._report(VoiceError(ErrorCode.CONNECTION_FAILED, "Cartesia turns socket closed",
                                    node=self.name, retriable=True))  # fmt: skip
            if not self._reconnecting:  # else on_audio found the drop first and is reconnecting
                await self._reconnect()

    async def _on_event(self, event: dict[str, Any]) -> None:
        kind = str(event.get("type"))
        self.events.append(kind)
        turn_event = CARTESIA_EVENTS.get(kind)
        if turn_event is not None:
            if self._eager or turn_event not in ("eager_end", "resume"):
                transcript = str(event.get("transcript", "")).strip()
                await self._turns.on_event(self.outbox, turn_event, transcript)
        elif kind == "error":
            self._report(service_error(event, self.name, "Cartesia turns"))

    async def _reconnect(self) -> None:
        """Reopen the socket (a few tries) and send the open turn's audio again."""
        self._reconnecting = True
        try:
            for attempt in range(self._reconnects):
                if self._closing:
                    return
                try:
                    sock = await self._connected()
                except VoiceError as exc:
                    self._report(exc)
                    await asyncio.sleep(self._retry_s * 2**attempt)
                    continue
                self._turns.reconnected()
                await self._replay(sock)
                self._metric("cartesia_reconnects", float(self.connects - 1))
                return
            self._next_try = time.monotonic() + self._retry_s * 2**self._reconnects
        finally:
            self._reconnecting = False
            self._backlog = []

    async def _replay(self, sock: CartesiaSocket) -> None:
        chunks, self._backlog = self._turns.replay(), []
        try:
            for chunk in chunks:
                await sock.send(chunk)
            while self._backlog:  # audio that came during the replay
                await sock.send(self._backlog.pop(0))
        except VoiceError:
            pass  # dropped again: its reader reconnects
