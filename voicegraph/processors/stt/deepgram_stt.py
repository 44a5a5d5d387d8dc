"""DeepgramSTT: Deepgram's streaming speech-to-text (Nova, `/v1/listen`) as a graph node."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Literal

from voicegraph.framework.frames import (
    InputAudioFrame,
    InterimTranscriptFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.stt.deepgram_node import DEFAULT_BASE_URL, DeepgramNode
from voicegraph.processors.stt.deepgram_result import DeepgramResult
from voicegraph.processors.stt.unanswered_audio import UnansweredAudio

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext

BYTES_PER_S = 32000  # 16 kHz mono s16
RAW_AUDIO: dict[str, str | int | float | bool | None] = {
    "encoding": "linear16",
    "sample_rate": 16000,
    "channels": 1,
}


class DeepgramSTT(DeepgramNode):
    """Streams the user's audio to Deepgram Nova and emits its transcripts.

    Handles: InputAudioFrame (16 kHz mono s16), the VAD's UserStartedSpeakingFrame and
    UserStoppedSpeakingFrame, TurnEndFrame. Emits: InterimTranscriptFrame for interim
    results (when the text changes), TranscriptFrame(final=True) for each final segment
    (consecutive finals make the utterance; the user aggregator joins them), and, with
    `turn_end_on`, a TurnEndFrame on Deepgram's endpoint (`speech_final`) or its
    `UtteranceEnd` for graphs without a turn detector.

    Finalize at the VAD stop: the stop sends `Finalize`, so Deepgram answers with the
    utterance's final result at once instead of after its own endpointing; a TurnEndFrame
    waits (at most `finalize_wait_s`) for that answer so the transcript precedes it.
    With `gate_audio` (default) and a VAD upstream, audio goes out only while the user
    speaks (plus `preroll_ms` before the start), and `KeepAlive` every `keepalive_s`
    keeps the idle socket open between utterances (Deepgram closes after ~10 s of
    nothing). Without VAD frames all audio is streamed. If the socket drops, it
    reconnects and resends the audio no final result has covered yet (and a pending
    Finalize), so the utterance in progress still completes.

    Latency: Deepgram's finalize round trip after the VAD stop (network plus model;
    about 1-2 ms of node overhead against the local fake). Not interruptible (user input
    path). Drain: `Finalize` for an open utterance, `CloseStream`, the last results.

    Args:
        model: Deepgram model (`nova-3`, `nova-2`, ...).
        language: language code.
        api_key: the key (else read from `api_key_env`).
        api_key_env: environment variable holding the key.
        base_url: `wss://api.deepgram.com` or a compatible server (the tests' fake).
        interim_results, endpointing_ms, utterance_end_ms, vad_events, punctuate, smart_format:
            Deepgram query parameters (`endpointing_ms=None` sends false).
        keyterms: `keyterm` boosts (Nova-3).
        gate_audio: stream only the user's speech (needs a VAD upstream).
        preroll_ms: audio before the VAD start sent with it.
        keepalive_s: idle time after which a `KeepAlive` is sent.
        finalize_wait_s: longest wait of a TurnEndFrame for the Finalize answer.
        catch_up_ms: with no audio arriving for this long after a VAD stop, the
            Finalize goes without waiting for a later frame.
        turn_end_on: "speech_final" or "utterance_end" to end turns on Deepgram's events.
        reconnects: reconnect attempts in a row after a drop.
        max_unanswered_s: audio kept for resending after a drop.
        extra_params: more query parameters, as given.
        forward_audio: also pass the input audio downstream.

    Raises:
        VoiceError: `invalid_config` naming `api_key` when no key is set; at start, the
            handshake's refusal (`authentication_failed`, `invalid_config`, ...).
    """

    path = "/v1/listen"
    latency = LatencySpec(ms=150.0, note="Deepgram finalize round trip after the VAD stop (network)")

    def __init__(
        self,
        *,
        model: str = "nova-3",
        language: str = "en",
        api_key: str | None = None,
        api_key_env: str = "DEEPGRAM_API_KEY",
        base_url: str = DEFAULT_BASE_URL,
        interim_results: bool = True,
        endpointing_ms: int | None = 300,
        utterance_end_ms: int | None = 1000,
        vad_events: bool = True,
        punctuate: bool = True,
        smart_format: bool = False,
        keyterms: list[str] | None = None,
        gate_audio: bool = True,
        preroll_ms: float = 300.0,
        keepalive_s: float = 4.0,
        finalize_wait_s: float = 1.0,
        catch_up_ms: float = 150.0,
        turn_end_on: Literal["none", "speech_final", "utterance_end"] = "none",
        reconnects: int = 3,
        max_unanswered_s: float = 30.0,
        extra_params: dict[str, str] | None = None,
        forward_audio: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(api_key=api_key, api_key_env=api_key_env, base_url=base_url, reconnects=reconnects,
                         drain_timeout_s=finalize_wait_s + 2.0, name=name)  # fmt: skip
        self._query = {
            "model": model, "language": language, "interim_results": interim_results,
            "endpointing": endpointing_ms if endpointing_ms is not None else False,
            "utterance_end_ms": utterance_end_ms if interim_results else None, "vad_events": vad_events,
            "punctuate": punctuate, "smart_format": smart_format, **RAW_AUDIO, **(extra_params or {}),
        }  # fmt: skip
        self._keyterms, self._gate = list(keyterms or []), gate_audio
        self._preroll, self._preroll_bytes = deque[bytes](), round(preroll_ms / 1000 * BYTES_PER_S)
        self._keepalive_s, self._finalize_wait_s = keepalive_s, finalize_wait_s
        self._turn_end_on, self._forward_audio = turn_end_on, forward_audio
        keep = round(max_unanswered_s * BYTES_PER_S)
        self._unanswered = UnansweredAudio(bytes_per_s=BYTES_PER_S, max_bytes=keep)
        self._catch_up_s, self._vad_seen, self._speaking = catch_up_ms / 1000, False, False
        self._last_sent = self._last_audio = time.monotonic()
        self._stop_pts: int | None = None  # a VAD stop whose Finalize waits for earlier audio
        self._finalizes = [0, 0]  # sent, answered
        self._answered = asyncio.Event()
        self._answered.set()
        # _turn_text: a final with text came since the last turn end (for turn_end_on)
        self._speech_end_ns, self._last_interim, self._turn_text = 0, "", False
        self.keepalives = 0  # KeepAlive messages sent

    def query(self) -> dict[str, str | int | float | bool | None]:
        """Query parameters; keyterms are appended by `url`."""
        return dict(self._query)

    @property
    def url(self) -> str:
        """The full `/v1/listen` URL (one `keyterm` parameter per term)."""
        base = super().url
        return base + "".join(f"&keyterm={t}" for t in self._keyterms)

    def output_format(self, input_format: Any) -> Any:
        """The input format when audio is forwarded, else none (text only)."""
        return input_format if self._forward_audio else None

    async def on_start(self, ctx: StartContext) -> None:
        """Connect, start reading and the keep-alive timer."""
        await super().on_start(ctx)
        ctx.spawn(self._keep_alive(), name=f"{self.name}:keepalive")

    # -- user side -------------------------------------------------------------------
    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        self._last_audio = time.monotonic()
        stop = self._stop_pts
        before_stop = stop is not None and frame.pts < stop
        if stop is not None and not before_stop:  # all audio from before the stop went out
            await self._finalize()
        if self._gate and self._vad_seen and not self._speaking and not before_stop:
            self._preroll.append(frame.data)
            while sum(map(len, self._preroll)) > self._preroll_bytes and len(self._preroll) > 1:
                self._preroll.popleft()
        else:
            await self._send_audio(frame.data)
        if self._forward_audio:
            await out.send(frame)

    async def _send_audio(self, data: bytes) -> None:
        self._unanswered.sent(data)
        self._last_sent = time.monotonic()
        await self.socket.send_audio(data)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        self._vad_seen = self._speaking = True
        preroll, self._preroll = self._preroll, deque()
        for chunk in preroll:
            await self._send_audio(chunk)
        await out.send(frame)

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        # The stop is a system frame: it may overtake audio still queued before it. The
        # Finalize goes once that audio is sent (the first later frame, the in-band turn
        # end, or a lull in the audio), so it covers the whole utterance.
        self._vad_seen, self._speaking = True, False
        self._speech_end_ns = frame.speech_end_ns or frame.pts
        self._stop_pts = frame.pts
        await out.send(frame)
        if self._ctx is not None:
            self._ctx.spawn(self._finalize_after_lull(), name=f"{self.name}:finalize")

    async def _finalize_after_lull(self) -> None:
        while self._stop_pts is not None:
            await asyncio.sleep(self._catch_up_s)
            if self._stop_pts is not None and time.monotonic() - self._last_audio >= self._catch_up_s:
                await self._finalize()

    async def _finalize(self) -> None:
        self._stop_pts = None
        self._finalizes[0] += 1
        self._answered.clear()
        self._last_sent = time.monotonic()
        await self.socket.send_json({"type": "Finalize"})

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        if self._stop_pts is not None:  # in band: every audio frame before it was handled
            await self._finalize()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._finalize_wait_s):
                await self._answered.wait()
        await out.send(frame)

    async def before_close(self) -> None:
        """Finalize an utterance still open at the end of the stream."""
        if self._speaking or self._stop_pts is not None:
            await self._finalize()

    async def _keep_alive(self) -> None:
        while True:
            idle = time.monotonic() - self._last_sent
            if idle < self._keepalive_s:
                await asyncio.sleep(self._keepalive_s - idle)
                continue
            socket = self._socket
            if socket is None or socket.finishing:
                return
            if await socket.send_json({"type": "KeepAlive"}):
                self.keepalives += 1
            self._last_sent = time.monotonic()

    # -- server side -----------------------------------------------------------------
    async def on_message(self, message: dict[str, Any]) -> None:
        """Results to transcripts; UtteranceEnd (and speech_final) to turn ends if asked."""
        kind = message.get("type")
        if kind == "Results":
            await self._on_result(DeepgramResult.parse(message))
        elif kind == "UtteranceEnd" and self._turn_end_on == "utterance_end":
            await self._end_turn()

    async def _on_result(self, result: DeepgramResult) -> None:
        out = self.outbox
        if not result.is_final:
            if result.text and result.text != self._last_interim:
                self._last_interim = result.text
                await out.send(InterimTranscriptFrame(text=result.text, confidence=result.confidence))
            return
        self._unanswered.answered(result.end_s)
        self._last_interim = ""
        if result.text:
            self._turn_text = True
            await out.send(
                TranscriptFrame(
                    text=result.text, confidence=result.confidence, speech_end_ns=self._speech_end_ns,
                    language=result.language,
                )
            )  # fmt: skip
        if result.from_finalize:
            self._finalizes[1] = self._finalizes[0]
            self._answered.set()
        if result.speech_final and self._turn_end_on == "speech_final":
            await self._end_turn()

    async def _end_turn(self) -> None:
        if self._turn_text:
            self._turn_text = False
            await self.outbox.send(TurnEndFrame(speech_end_ns=self._speech_end_ns or self.clock.now_ns()))

    async def on_reconnect(self) -> None:
        """Resend the audio no final result covered, and a Finalize still unanswered."""
        for chunk in self._unanswered.replay():
            await self.socket.send_audio(chunk)
        if self._finalizes[1] < self._finalizes[0]:
            await self.socket.send_json({"type": "Finalize"})
        self._last_sent = time.monotonic()
