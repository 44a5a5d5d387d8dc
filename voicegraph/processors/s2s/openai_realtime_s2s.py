"""OpenAIRealtimeS2S: a realtime speech-to-speech model (OpenAI Realtime protocol) as one node."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    InputAudioFrame,
    InterruptFrame,
    ReplyPlayedFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.s2s.realtime_audio_format import ALL_FORMATS, RealtimeAudioFormat
from voicegraph.processors.s2s.realtime_client import RealtimeClient
from voicegraph.processors.s2s.realtime_client_events import create_item, message_item
from voicegraph.processors.s2s.realtime_dialog import RealtimeDialog
from voicegraph.processors.s2s.realtime_options import RealtimeOptions
from voicegraph.processors.s2s.realtime_session_config import RealtimeSessionConfig
from voicegraph.processors.s2s.realtime_tools import ToolsLike, realtime_tool_specs, tool_registry
from voicegraph.processors.s2s.s2s_capabilities import S2SCapabilities
from voicegraph.processors.s2s.s2s_frames import S2SContextFrame, S2SInstructionsFrame, S2SRespondFrame
from voicegraph.processors.s2s.turn_detection import TurnDetection

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from voicegraph.framework.context import StartContext
    from voicegraph.framework.formats import AudioFormat

DEFAULT_URL = "wss://api.openai.com/v1/realtime"


class OpenAIRealtimeS2S(Processor):
    """Speech to speech with a realtime model over WebSocket: no STT or TTS node needed.

    Handles: `InputAudioFrame` (in the session's input format: 24 kHz s16 mono, or 8 kHz
    G.711; the graph converts) streamed as `input_audio_buffer.append` chunks of at most
    `append_ms`; `TurnEndFrame` (local turn taking: commit, then `response.create`);
    `UserStartedSpeakingFrame` and `InterruptFrame` (barge-in); `ReplyPlayedFrame` from
    the output (what the user heard); `S2SInstructionsFrame`, `S2SContextFrame` and
    `S2SRespondFrame` from an agent node before or after it.

    Emits, as the provider streams them: `ResponseStartFrame`, the reply audio as
    `OutputAudioFrame` (`TTSAudioFrame` when transcript text came with it),
    `ResponseEndFrame`; `BotTranscriptFrame`s and the user's `TranscriptFrame`s
    (optional); with provider VAD, `UserStartedSpeakingFrame`/`UserStoppedSpeakingFrame`;
    `MetricsFrame` `first_audio_ms` (turn end to first reply audio) per reply; text-only
    sessions emit `LLMTextFrame`s instead of audio (a TTS node may speak them).

    Turn taking: the provider's `server_vad`/`semantic_vad`, or `none`, where
    voicegraph's VAD and turn nodes drive commits and replies. Barge-in: user speech
    during a reply (the provider's `speech_started` or a local `UserStartedSpeakingFrame`)
    requests an interruption; the reply is cancelled and truncated at the position the
    output reports played (see `RealtimeBargeIn`). Tools run through the agent layer's
    `ToolRegistry` (typed arguments, deadlines, errors fed back to the model).
    A dropped socket is re-opened, the session re-configured and the conversation
    replayed; refusals become coded errors on the bus (at start they fail the graph).

    Latency: the provider's (declared: VAD silence plus time to first audio); the node
    itself adds well under a millisecond each way. Not interruptible (it is on the user's
    input path): an interruption cancels the reply instead. Drain: waits (up to
    `drain_timeout_s`) for the reply in progress to be emitted; stop closes the socket.

    Args:
        model: realtime model (default `OPENAI_REALTIME_MODEL`, else `gpt-realtime`).
        api_key: bearer key (default `OPENAI_API_KEY`); None sends none (local servers).
        url: WebSocket endpoint without the model (default `OPENAI_REALTIME_URL`).
        protocol: `ga` or `beta` (beta adds `OpenAI-Beta: realtime=v1` and flat fields).
        instructions, voice: the session's.
        audio_format: `pcm` (24 kHz s16), `pcmu` or `pcma`; `output_audio_format` the same unless set.
        turn_detection: `server_vad`, `semantic_vad`, `none`, or a mapping of `TurnDetection` fields.
        auto_respond: reply at each turn end; False waits for an `S2SRespondFrame` (agent decides).
        transcription_model: transcribe the user (e.g. `gpt-4o-mini-transcribe`); None: no user text.
        output_modalities: `("audio",)` or `("text",)`.
        tools: a `ToolRegistry` (agent layer), functions / `Tool`s / import strings, or a
            mapping `name -> function`; tool_specs: explicit definitions (win by name).
        session: more session fields sent as they are.
        options: `RealtimeOptions` (timeouts, reconnect, chunking, transcripts on/off).
    """

    capabilities: ClassVar[S2SCapabilities] = S2SCapabilities(
        speech_to_speech=True, input_formats=ALL_FORMATS, output_formats=ALL_FORMATS, text_output=True,
        provider_turn_detection=("server_vad", "semantic_vad"), local_turn_detection=True, tools=True,
        transcripts=True, truncation=True, session_resume=True,
    )  # fmt: skip
    concurrent: ClassVar[bool] = True
    interruptible = False
    background_output: ClassVar[bool] = True  # replies leave from the socket reader's emitter task
    latency = LatencySpec(ms=800.0, note="provider VAD silence 500 ms + time to first audio")

    def __init__(
        self,
        *,
        model: str | None = None,
        api_key: str | None = None,
        url: str | None = None,
        protocol: str = "ga",
        instructions: str = "",
        voice: str = "marin",
        audio_format: str = "pcm",
        output_audio_format: str | None = None,
        turn_detection: str | Mapping[str, Any] | None = "server_vad",
        auto_respond: bool = True,
        transcription_model: str | None = None,
        output_modalities: Sequence[str] = ("audio",),
        tools: ToolsLike = None,
        tool_specs: Sequence[Mapping[str, Any]] = (),
        session: Mapping[str, Any] | None = None,
        options: RealtimeOptions | Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.options = RealtimeOptions.coerce(options)
        self.tools = tool_registry(tools, timeout_s=self.options.tool_timeout_s)
        td = TurnDetection.coerce(turn_detection)
        self.config = RealtimeSessionConfig(
            model=model or os.environ.get("OPENAI_REALTIME_MODEL") or "gpt-realtime",
            protocol=protocol, instructions=instructions, voice=voice,
            input_format=RealtimeAudioFormat.parse(audio_format),
            output_format=RealtimeAudioFormat.parse(output_audio_format or audio_format),
            turn_detection=td if auto_respond else _no_auto_reply(td),
            transcription_model=transcription_model, output_modalities=tuple(output_modalities),
            tools=realtime_tool_specs(self.tools, tool_specs), extra=dict(session or {}),
        )  # fmt: skip
        self.auto_respond = auto_respond
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.url = url or os.environ.get("OPENAI_REALTIME_URL") or DEFAULT_URL
        self.input_audio_format = self.config.input_format.audio_format
        self.accepts = (self.input_audio_format,)
        self._append_bytes = max(
            self.input_audio_format.frame_bytes,
            self.input_audio_format.bytes_for(int(self.options.append_ms * 1e6)),
        )
        self._client: RealtimeClient | None = None
        self._dialog: RealtimeDialog | None = None
        self._imported: dict[str, Any] | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """The provider's output audio format."""
        return self.config.output_format.audio_format

    @property
    def dialog(self) -> RealtimeDialog:
        """The running dialog (between start and stop)."""
        if self._dialog is None:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, "the realtime node is not started", node=self.name)
        return self._dialog

    def session_url(self) -> str:
        """The WebSocket URL with the model."""
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}model={self.config.model}"

    def headers(self) -> dict[str, str]:
        """Handshake headers: the bearer key, and the beta opt-in for the beta protocol."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        if self.config.beta:
            headers["OpenAI-Beta"] = "realtime=v1"
        return headers

    async def on_start(self, ctx: StartContext) -> None:
        """Connect and configure the session; refusals fail the start with their code."""
        backlog = self.input_audio_format.bytes_for(int(self.options.reconnect_buffer_ms * 1e6))
        client = RealtimeClient(
            url=self.session_url(), headers=self.headers(), config=self.config, options=self.options,
            backlog_bytes=backlog, node=self.name,
        )  # fmt: skip
        await client.start()
        self._client = client
        dialog = RealtimeDialog(
            name=self.name, ctx=ctx, outbox=self.outbox, client=client, config=self.config,
            options=self.options, tools=self.tools, auto_respond=self.auto_respond,
        )  # fmt: skip
        self._dialog = dialog
        if self._imported is not None:
            dialog.log.import_conversation(self._imported)
            for item in dialog.log.replay_items(beta=self.config.beta):
                await client.send(create_item(item))
        ctx.spawn(dialog.emitter.run(), name=f"{self.name}:emit")
        ctx.spawn(dialog.read_loop(), name=f"{self.name}:read")

    async def on_drain(self, out: Outbox) -> None:
        """End of stream: let the reply in progress go out (bounded), then accept no more."""
        dialog = self._dialog
        if dialog is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.options.drain_timeout_s):
                await dialog.settle()
        dialog.emitter.close()

    async def on_stop(self) -> None:
        """Close the socket."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    # -- user side ------------------------------------------------------------------------
    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        """Stream the user's audio to the provider."""
        if self.options.forward_input_audio:
            await out.send(frame)
        if frame.format != self.input_audio_format:
            raise VoiceError(
                ErrorCode.NOT_NEGOTIATED,
                f"expected {self.input_audio_format}, got {frame.format}",
                node=self.name,
            )
        dialog, data, step = self.dialog, frame.data, self._append_bytes
        for i in range(0, len(data), step):
            await dialog.client.send_audio(data[i : i + step])
        dialog.uncommitted_ns += frame.duration_ns

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        """Local turn taking: the user's turn is over."""
        await out.send(frame)
        if not self.config.turn_detection.by_provider:
            await self.dialog.end_user_turn()

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        """Local VAD heard the user: barge in if the bot is talking."""
        dialog = self.dialog
        if dialog.ledger.live(dialog.now()):
            await out.request_interrupt("barge-in: the user started speaking")
        await out.send(frame)

    @handles
    async def on_interrupt(self, frame: InterruptFrame, out: Outbox) -> None:
        """Any interruption cuts the reply: cancel and truncate at the heard position."""
        await self.dialog.barge_in.interrupt()

    @handles
    async def on_reply_played(self, frame: ReplyPlayedFrame, out: Outbox) -> None:
        """The output reported what the user heard of a reply."""
        self.dialog.barge_in.played(frame)
        await out.send(frame)

    # -- agent side -----------------------------------------------------------------------
    @handles
    async def on_instructions(self, frame: S2SInstructionsFrame, out: Outbox) -> None:
        """New session instructions (e.g. per turn, from an agent)."""
        await self.dialog.client.send(self.config.instructions_update(frame.instructions))

    @handles
    async def on_context(self, frame: S2SContextFrame, out: Outbox) -> None:
        """Add context (RAG) to the model's conversation."""
        dialog = self.dialog
        dialog.log.add(frame.role, frame.text)
        await dialog.client.send(create_item(message_item(frame.role, frame.text, beta=self.config.beta)))

    @handles
    async def on_respond(self, frame: S2SRespondFrame, out: Outbox) -> None:
        """Speak now (an agent decided)."""
        await self.dialog.request_response(frame.instructions)

    # -- session persistence ----------------------------------------------------------------
    def export_conversation(self) -> dict[str, Any]:
        """The conversation so far (`{"messages": [...]}`), for session persistence."""
        if self._dialog is None:
            return dict(self._imported or {"messages": []})
        return self._dialog.log.export_conversation()

    def import_conversation(self, state: dict[str, Any]) -> None:
        """Continue a resumed session's conversation (replayed to the provider at start)."""
        self._imported = dict(state)


def _no_auto_reply(td: TurnDetection) -> TurnDetection:
    """Provider VAD that still commits turns but leaves replies to the graph."""
    if not td.by_provider:
        return td
    return TurnDetection(
        mode=td.mode, threshold=td.threshold, prefix_padding_ms=td.prefix_padding_ms,
        silence_duration_ms=td.silence_duration_ms, eagerness=td.eagerness, create_response=False,
        interrupt_response=td.interrupt_response,
    )  # fmt: skip
