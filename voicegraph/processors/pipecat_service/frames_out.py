"""Pipecat frames → voicegraph frames and bus reports, for what a Pipecat service emits."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    InputAudioFrame,
    InterimTranscriptFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    OutputAudioFrame,
    TranscriptFrame,
    TTSAudioFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.agent.chat_events import ToolCall
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.processors.pipecat_service.word_placer import WordPlacer

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame


@dataclass(frozen=True, slots=True)
class Translated:
    """What one Pipecat frame becomes: frames to send on, a metric or an error report."""

    frames: tuple[Frame, ...] = ()
    metrics: dict[str, float] | None = None
    error: VoiceError | None = None
    context: str | None = None
    """The Pipecat TTS context the frame belongs to (for the interruption filter)."""


def error_of(frame: Any, node: str) -> VoiceError:
    """A Pipecat `ErrorFrame` as a coded VoiceError (fatal ones are not retriable)."""
    text = str(getattr(frame, "error", "") or "Pipecat error")
    fatal = bool(getattr(frame, "fatal", False))
    lowered = text.lower()
    code = ErrorCode.PIPELINE_ERROR
    if "401" in lowered or "403" in lowered or "auth" in lowered or "api key" in lowered:
        code = ErrorCode.AUTHENTICATION_FAILED
    elif "timeout" in lowered or "timed out" in lowered:
        code = ErrorCode.TIMEOUT
    elif "connect" in lowered or "websocket" in lowered:
        code = ErrorCode.CONNECTION_FAILED
    return VoiceError(code, f"Pipecat: {text}", node=node, retriable=not fatal)


def metrics_of(frame: Any) -> dict[str, float]:
    """A Pipecat `MetricsFrame` as flat `{kind_ms: value}` values (ttfb, processing, ...)."""
    values: dict[str, float] = {}
    for item in getattr(frame, "data", []):
        kind = type(item).__name__.removesuffix("MetricsData").lower() or "metric"
        value = getattr(item, "value", None)
        if isinstance(value, int | float):
            unit = "_ms" if kind in ("ttfb", "processing", "textaggregation") else ""
            values[kind + unit] = float(value) * (1000.0 if unit else 1.0)
        elif value is not None:  # usage: token or character counts
            for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
                if isinstance(getattr(value, key, None), int):
                    values[key] = float(getattr(value, key))
    return values


class FramesOut:
    """Translates the frames a Pipecat service pushes. Audio keeps its own rate and channels
    (`OutputAudioFrame`, or `TTSAudioFrame` with the words Pipecat timed on it)."""

    def __init__(self, node: str, *, vad: bool = False) -> None:
        import pipecat.frames.frames as pf

        self._pf, self._node, self._vad = pf, node, vad
        self.words = WordPlacer()

    def translate(self, frame: Any) -> Translated:
        """What `frame` becomes on the voicegraph side (empty: nothing)."""
        pf = self._pf
        if isinstance(frame, pf.TTSAudioRawFrame):
            return self._tts_audio(frame)
        if isinstance(frame, pf.OutputAudioRawFrame):
            fmt = AudioFormat(frame.sample_rate, frame.num_channels, SampleFormat.S16)
            return Translated((OutputAudioFrame(data=frame.audio, format=fmt),))
        if isinstance(frame, pf.TTSTextFrame):
            cid = frame.context_id or ""
            self.words.word(cid, frame.text, frame.pts)
            return Translated(context=cid)
        if isinstance(frame, pf.InterimTranscriptionFrame):
            return Translated((InterimTranscriptFrame(text=frame.text, user_id=frame.user_id or ""),))
        if isinstance(frame, pf.TranscriptionFrame):
            lang = "" if frame.language is None else str(getattr(frame.language, "value", frame.language))
            return Translated((TranscriptFrame(text=frame.text, user_id=frame.user_id or "", language=lang),))
        if isinstance(frame, pf.LLMFullResponseStartFrame):
            return Translated((LLMResponseStartFrame(),))
        if isinstance(frame, pf.LLMFullResponseEndFrame):
            return Translated((LLMResponseEndFrame(),))
        if isinstance(frame, pf.LLMTextFrame):
            return Translated((LLMTextFrame(text=frame.text),))
        if isinstance(frame, pf.FunctionCallsStartedFrame):
            return Translated((self._tool_calls(frame),))
        if isinstance(frame, pf.TTSStoppedFrame):
            self.words.forget(frame.context_id or "")
            return Translated(context=frame.context_id)
        if self._vad and isinstance(frame, pf.VADUserStartedSpeakingFrame | pf.VADUserStoppedSpeakingFrame):
            return Translated((self._vad_frame(frame),))
        if self._vad and isinstance(frame, pf.InputAudioRawFrame):  # in Pipecat's order with its events
            fmt = AudioFormat(frame.sample_rate, frame.num_channels, SampleFormat.S16)
            return Translated((InputAudioFrame(data=frame.audio, format=fmt),))
        if isinstance(frame, pf.ErrorFrame):
            return Translated(error=error_of(frame, self._node))
        if isinstance(frame, pf.MetricsFrame):
            return Translated(metrics=metrics_of(frame))
        return Translated()

    def _tts_audio(self, frame: Any) -> Translated:
        fmt = AudioFormat(frame.sample_rate, frame.num_channels, SampleFormat.S16)
        cid = frame.context_id or ""
        out = TTSAudioFrame(data=frame.audio, format=fmt)
        words = self.words.place(cid, out.duration_ms)
        if words:
            out = TTSAudioFrame(data=frame.audio, format=fmt, text=" ".join(w for w, _ in words),
                                word_times_ms=words)  # fmt: skip
        return Translated((out,), context=cid)

    def _vad_frame(self, frame: Any) -> Frame:
        # Pipecat stamps the decision's wall time; the speech began start_secs/stop_secs before it.
        now = time.monotonic_ns()
        if isinstance(frame, self._pf.VADUserStartedSpeakingFrame):
            return UserStartedSpeakingFrame(speech_start_ns=now - int(frame.start_secs * 1e9))
        return UserStoppedSpeakingFrame(speech_end_ns=now - int(frame.stop_secs * 1e9))

    def _tool_calls(self, frame: Any) -> LLMToolCallFrame:
        calls = tuple(
            ToolCall(
                index=i, id=fc.tool_call_id, name=fc.function_name, arguments=json.dumps(dict(fc.arguments))
            )
            for i, fc in enumerate(frame.function_calls)
        )
        return LLMToolCallFrame(calls=calls)
