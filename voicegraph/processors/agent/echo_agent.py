"""EchoAgent: a light, model-free agent with a conversation context (smoke tests, benchmarks)."""

from __future__ import annotations

from typing import Any

from voicegraph.framework.frames.llm import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles


class EchoAgent(Processor):
    """Answers each final transcript with "You said: <text>." and keeps the chat context.

    Handles final `TranscriptFrame` (others pass through). Emits the transcript (so the
    client sees it), then `LLMResponseStartFrame`, one `LLMTextFrame` per word and
    `LLMResponseEndFrame`, like an LLM node. The context (`messages`, OpenAI style)
    grows by the user's line and the reply; it is exported and imported by the session
    layer (`ConversationStateful`), so a resumed session continues it. Latency:
    `reply_delay_s` on the graph clock (0 by default). Flush: the reply in progress
    stops (the runtime cancels the handler; the words sent so far stay in the context).
    Drain: the reply in progress finishes.

    Args:
        reply_delay_s: wait before answering (to hold a turn in flight in tests).
        prefix: the words put before the echoed text.
    """

    concurrent = True

    def __init__(
        self, *, reply_delay_s: float = 0.0, prefix: str = "You said:", name: str | None = None
    ) -> None:
        super().__init__(name=name)
        self.reply_delay_s = reply_delay_s
        self.prefix = prefix
        self.latency = LatencySpec(ms=reply_delay_s * 1000.0, note="echo reply delay")
        self.messages: list[dict[str, Any]] = []

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        await out.send(frame)
        if not frame.final or not frame.text.strip():
            return
        self.messages.append({"role": "user", "content": frame.text.strip()})
        turn = sum(1 for m in self.messages if m["role"] == "user")
        if self.reply_delay_s:
            await self.clock.sleep(self.reply_delay_s)
        reply = f"{self.prefix} {frame.text.strip()} (turn {turn})"
        await out.send(LLMResponseStartFrame())
        said: list[str] = []
        try:
            for i, word in enumerate(reply.split()):
                said.append(word)
                await out.send(LLMTextFrame(text=word if i == 0 else " " + word))
        finally:
            self.messages.append({"role": "assistant", "content": " ".join(said)})
        await out.send(LLMResponseEndFrame())

    def export_conversation(self) -> dict[str, Any]:
        """The chat context as `{"messages": [...]}`."""
        return {"messages": [dict(m) for m in self.messages]}

    def import_conversation(self, state: dict[str, Any]) -> None:
        """Continue from a saved context."""
        messages = state.get("messages")
        if isinstance(messages, list):
            self.messages = [dict(m) for m in messages if isinstance(m, dict)]
