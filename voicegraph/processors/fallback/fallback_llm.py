"""FallbackLLM: an LLM slot served by a chain of agent nodes, best first."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from voicegraph.framework.frames import (
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
)
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.fallback.fallback_node import FallbackNode

if TYPE_CHECKING:
    from voicegraph.framework.frames import Frame


class FallbackLLM(FallbackNode):
    """Answers each `LLMMessagesFrame` with the first healthy agent node of `engines`
    (`llm`, `local_llm`, `scripted_agent`...).

    Handles: `LLMMessagesFrame`. Emits: the active engine's reply (`LLMResponseStartFrame`,
    `LLMTextFrame`s, tool frames, metrics, `LLMResponseEndFrame`), exactly one start and
    one end per request. Until the reply's first `LLMTextFrame` its frames are held: if the
    engine fails before it, they are dropped and the next engine gets the same request;
    once text went out, a failure cuts the reply (`LLMResponseEndFrame` closes it cleanly,
    nothing is said twice) and the next request goes to the next engine. Stall detection:
    no frame for `attempt_timeout_s`. Probe: a one-message request must produce text.
    Latency: the active engine's time to first token (held frames go out with the first
    text). Flush: the request is cancelled with the handler; every engine's `on_flush`.
    Drain: requests are handled in order, so none is left.
    """

    content = (LLMTextFrame,)
    role: ClassVar[str] = "agent"
    """The slot it fills (processor slots and the graph checks place it by role)."""

    _held: list[Frame]
    _texted: bool
    _ended: bool
    _request: LLMMessagesFrame | None

    def reset_turn(self) -> None:
        self._held, self._texted, self._ended, self._request = [], False, False, None

    @handles
    async def on_messages(self, frame: LLMMessagesFrame, out: Outbox) -> None:
        self.reset_turn()
        self.new_turn()
        self._request = frame
        await self.dispatch(frame)
        if not self._ended:
            if self._held:  # the engine's reply is complete: what was held goes out in order
                held, self._held = self._held, []
                for f in held:
                    await self.outbox.send(f)
            else:  # every engine failed before any text: the reply still opens and closes
                await self._close()
        self.reset_turn()

    def replay_frames(self) -> list[Frame]:
        return [] if self._request is None else [self._request]

    def on_output(self, index: int, frame: Frame) -> list[Frame]:
        if self._texted and not self._held:
            if not isinstance(frame, LLMResponseEndFrame):
                return [frame]
        self._held.append(frame)  # before the first text, and from the end frame on
        if self._texted or not isinstance(frame, LLMTextFrame):
            return []
        self._texted = True
        held, self._held = self._held, []
        return held

    async def on_switch(self, failed: int, err: BaseException) -> bool:
        if self._texted:
            await self._close()
            return False  # text is out: the reply ends here, the next request uses the next engine
        self._held = []
        return True

    async def _close(self) -> None:
        if not self._texted:
            await self.outbox.send(LLMResponseStartFrame())
        self._held = []
        self._texted = self._ended = True
        await self.outbox.send(LLMResponseEndFrame())

    async def probe(self, index: int) -> None:
        ping = LLMMessagesFrame(messages=({"role": "user", "content": "Say OK."},))
        await self.probe_call(index, ping, want_output=True)
