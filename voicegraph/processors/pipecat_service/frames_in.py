"""voicegraph frames → Pipecat frames, for the frames a Pipecat service consumes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames import (
    AudioFrame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    SentenceFrame,
    TextFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame


def tools_schema(tools: tuple[dict[str, Any], ...]) -> Any:
    """OpenAI tool dicts (`{"type": "function", "function": {...}}`) as Pipecat's ToolsSchema."""
    from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
    from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema

    schemas = []
    for tool in tools:
        fn = tool.get("function", tool)
        params = fn.get("parameters") or {}
        schemas.append(FunctionSchema(name=fn["name"], description=fn.get("description", ""),
                                      properties=params.get("properties", {}),
                                      required=list(params.get("required", []))))  # fmt: skip
    return ToolsSchema(standard_tools=schemas)


class FramesIn:
    """Translates the voicegraph frames a service takes into Pipecat's, keeping the reply
    state that decides how text is said (inside a reply it streams, outside it is spoken
    at once as `TTSSpeakFrame`)."""

    def __init__(self) -> None:
        import pipecat.frames.frames as pf

        self._pf = pf
        self.in_reply = False
        self.context: Any = None
        """The last `LLMContext` handed to the service."""
        self.default_tools: tuple[dict[str, Any], ...] = ()
        """Tool schemas for a context that brings none."""
        self._system_instruction: str | None = None

    def translate(self, frame: Frame) -> list[Any]:
        """The Pipecat frames for `frame` (empty: nothing for the service)."""
        pf = self._pf
        if isinstance(frame, AudioFrame):
            fmt = frame.format
            return [pf.InputAudioRawFrame(audio=frame.data, sample_rate=fmt.rate, num_channels=fmt.channels)]
        if isinstance(frame, UserStartedSpeakingFrame):
            return [pf.VADUserStartedSpeakingFrame(), pf.UserStartedSpeakingFrame()]
        if isinstance(frame, UserStoppedSpeakingFrame):
            return [pf.VADUserStoppedSpeakingFrame(), pf.UserStoppedSpeakingFrame()]
        if isinstance(frame, LLMMessagesFrame):
            return [*self._system(frame), pf.LLMContextFrame(context=self._context(frame))]
        if isinstance(frame, LLMResponseStartFrame | ResponseStartFrame):
            self.in_reply = True
            return [pf.LLMFullResponseStartFrame()]
        if isinstance(frame, LLMResponseEndFrame | ResponseEndFrame):
            self.in_reply = False
            return [pf.LLMFullResponseEndFrame()]
        if isinstance(frame, LLMTextFrame | TextFrame | SentenceFrame):
            if not self.in_reply:
                return [pf.TTSSpeakFrame(text=frame.text)] if frame.text.strip() else []
            cls = pf.LLMTextFrame if isinstance(frame, LLMTextFrame) else pf.TextFrame
            text = frame.text if isinstance(frame, LLMTextFrame) else frame.text.strip() + " "
            return [cls(text=text)]
        return []

    def _system(self, frame: LLMMessagesFrame) -> list[Any]:
        """Pipecat 1.9+ takes the system prompt as the service's `system_instruction`, not
        as a context message: an `LLMUpdateSettingsFrame` when the prompt changes."""
        from pipecat.services.settings import LLMSettings

        system = "\n".join(str(m.get("content") or "") for m in _leading_system(frame.messages)) or None
        if system == self._system_instruction:
            return []
        self._system_instruction = system
        return [self._pf.LLMUpdateSettingsFrame(delta=LLMSettings(system_instruction=system))]

    def _context(self, frame: LLMMessagesFrame) -> Any:
        from pipecat.processors.aggregators.llm_context import LLMContext

        skip = len(_leading_system(frame.messages))
        messages: list[Any] = [dict(m) for m in frame.messages[skip:]]
        given = frame.tools or self.default_tools
        tools = tools_schema(given) if given else None
        self.context = LLMContext(messages=messages, tools=tools) if tools else LLMContext(messages=messages)
        return self.context


def _leading_system(messages: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    out = []
    for m in messages:
        if m.get("role") != "system":
            break
        out.append(m)
    return out
