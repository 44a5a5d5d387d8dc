"""RTVIEvents: the RTVI events a frame reaching the session's output stands for."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.llm import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.framework.frames.system import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ErrorFrame,
    MetricsFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.transports.rtvi.rtvi_frames import RTVIServerMessageFrame
from voicegraph.transports.rtvi.rtvi_message import rtvi_message

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

Message = dict[str, Any]

_PLAIN: dict[type[Frame], str] = {
    UserStartedSpeakingFrame: "user-started-speaking",
    UserStoppedSpeakingFrame: "user-stopped-speaking",
    BotStartedSpeakingFrame: "bot-started-speaking",
    BotStoppedSpeakingFrame: "bot-stopped-speaking",
    LLMResponseStartFrame: "bot-llm-started",
    LLMResponseEndFrame: "bot-llm-stopped",
}


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


class RTVIEvents:
    """Maps the frames that reach a session's output to RTVI server events; I/O-free.

    Speaking frames become `user-/bot-started-/stopped-speaking`; transcripts (interim
    and final) `user-transcription`; `LLMResponseStart/EndFrame` `bot-llm-started/
    stopped`; LLM tokens `bot-llm-text`; the words as their audio plays (`BotTextFrame`
    deltas) `bot-tts-text` and `bot-output` (v2 form, or v1 `spoken` for 1.x clients).
    A reply's first audio chunk written is `bot-tts-started` (`audio`: the output
    consumes the reply markers itself) and its final `BotTextFrame` (played or cut)
    `bot-tts-stopped`. Tool
    calls the `llm-function-call-started/in-progress/stopped` triple; `MetricsFrame`
    `metrics`; `ErrorFrame` `error`; `RTVIServerMessageFrame` `server-message` or
    `server-response`. A barge-in that cut the bot is `bot-interrupted` (`interrupted`).
    Everything else has no RTVI form. Adds no latency; keeps the client's protocol
    generation and whether a reply's audio is playing.

    Args:
        legacy: the client speaks RTVI 1.x.
    """

    def __init__(self, *, legacy: bool = False) -> None:
        self.legacy = legacy
        self.speaking = False
        """A reply's audio is being written (between bot-tts-started and -stopped)."""

    def audio(self) -> list[Message]:
        """A chunk of bot audio is about to be written: `bot-tts-started` if it opens a reply."""
        if self.speaking:
            return []
        self.speaking = True
        return [rtvi_message("bot-tts-started")]

    def of(self, frame: Frame) -> list[Message]:
        """The RTVI events for `frame`, in order (often none)."""
        kind = _PLAIN.get(type(frame))
        if kind is not None:
            return [rtvi_message(kind)]
        if isinstance(frame, TranscriptFrame):
            data = {
                "text": frame.text,
                "user_id": frame.user_id,
                "timestamp": _now_iso(),
                "final": frame.final,
            }
            return [rtvi_message("user-transcription", data)]
        if isinstance(frame, LLMTextFrame):
            return [rtvi_message("bot-llm-text", {"text": frame.text})]
        if isinstance(frame, BotTextFrame):
            return self._bot_text(frame)
        if isinstance(frame, LLMToolCallFrame):
            return _tool_calls(frame)
        if isinstance(frame, MetricsFrame):
            return _metrics(frame)
        if isinstance(frame, ErrorFrame):
            return [rtvi_message("error", {"error": frame.error.message, "fatal": frame.fatal})]
        if isinstance(frame, RTVIServerMessageFrame):
            if frame.reply_to:
                data = {"t": frame.kind, "d": frame.data}
                return [rtvi_message("server-response", data, msg_id=frame.reply_to)]
            return [rtvi_message("server-message", frame.data)]
        return []

    @staticmethod
    def interrupted() -> Message:
        """`bot-interrupted`: a barge-in cut the bot's output."""
        return rtvi_message("bot-interrupted")

    def _bot_text(self, frame: BotTextFrame) -> list[Message]:
        if frame.final:  # the deltas were sent as they played; the final one closes the reply
            stopped = [rtvi_message("bot-tts-stopped")] if self.speaking else []
            self.speaking = False
            return stopped
        if not frame.text.strip():
            return []
        text = frame.text.strip()
        output: dict[str, Any] = {"text": text, "aggregated_by": "word"}
        output.update({"spoken": True} if self.legacy else {"spoken_status": "in-progress"})
        return [rtvi_message("bot-tts-text", {"text": text}), rtvi_message("bot-output", output)]


def _tool_calls(frame: LLMToolCallFrame) -> list[Message]:
    out: list[Message] = []
    results = {r.call_id: r for r in frame.results}
    for call in frame.calls:
        out.append(rtvi_message("llm-function-call-started", {"function_name": call.name}))
        try:
            args: Any = call.parsed_arguments()
        except ValueError:
            args = {}
        progress = {"tool_call_id": call.id, "function_name": call.name, "arguments": args}
        out.append(rtvi_message("llm-function-call-in-progress", progress))
        result = results.get(call.id)
        if result is not None:
            stopped = {"tool_call_id": call.id, "function_name": call.name, "cancelled": False,
                       "result": result.error or result.content}  # fmt: skip
            out.append(rtvi_message("llm-function-call-stopped", stopped))
    return out


def _metrics(frame: MetricsFrame) -> list[Message]:
    """Pipecat's `metrics` form: `{ttfb|processing|characters: [{processor, value}]}` (seconds).

    Time to first token or byte (`ttft_ms`, `ttfb_ms`) is `ttfb`; counts of characters
    `characters`; everything else `processing`.
    """
    data: dict[str, list[dict[str, Any]]] = {}
    for key, value in frame.values.items():
        group = "ttfb" if "ttfb" in key or "ttft" in key else "characters" if "char" in key else "processing"
        seconds = value / 1000.0 if key.endswith("_ms") and group != "characters" else value
        data.setdefault(group, []).append({"processor": f"{frame.node}:{key}", "value": seconds})
    return [rtvi_message("metrics", data)] if data else []
