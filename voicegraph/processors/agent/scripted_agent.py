"""ScriptedAgent: a model-free agent node for tests and demos, with the same frames as LLMNode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.agent.chat_events import Finish, TextDelta, Usage
from voicegraph.processors.agent.reply_script import ReplyScript, split_tokens
from voicegraph.processors.agent.streaming_agent import StreamingAgent

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Mapping, Sequence

    from voicegraph.framework.frames.llm import LLMMessagesFrame
    from voicegraph.processors.agent.chat_events import ChatEvent


class ScriptedAgent(StreamingAgent):
    """Answers from rules or a fixed script, streamed word by word like an LLM.

    Handles: `LLMMessagesFrame`. Emits: `LLMResponseStartFrame`, one `LLMTextFrame` per
    word (with its leading space), `LLMResponseEndFrame(usage=...)` and `MetricsFrame`s,
    exactly like `LLMNode`. Latency: `first_token_delay_s` (then `token_delay_s` per
    further word), slept on the graph clock, so a `VirtualClock` makes it instant. Flush:
    the reply in progress stops. Drain: the reply in progress finishes. See `ReplyScript`
    for how replies are chosen. Its script position is saved with a served session
    (`snapshot_state`/`restore_state`), so a resumed session goes on with the next line.
    """

    def __init__(
        self,
        *,
        rules: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        script: Sequence[str] = (),
        default: str = "Sorry, I did not catch that.",
        loop: bool = False,
        first_token_delay_s: float = 0.0,
        token_delay_s: float = 0.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if first_token_delay_s < 0 or token_delay_s < 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "delays must not be negative", node=name)
        self.replies = ReplyScript(rules=rules, script=script, default=default, loop=loop)
        self.first_token_delay_s = first_token_delay_s
        self.latency = LatencySpec(ms=first_token_delay_s * 1000.0, note="scripted first-token delay")
        self.token_delay_s = token_delay_s

    def snapshot_state(self) -> dict[str, int]:
        """`{"script_position": n}`: script lines used so far."""
        return {"script_position": self.replies.position}

    def restore_state(self, state: Mapping[str, object]) -> None:
        """Continue the script from a saved `script_position` (other keys are ignored)."""
        position = state.get("script_position")
        if isinstance(position, int) and not isinstance(position, bool):
            self.replies.position = position

    async def generate(self, frame: LLMMessagesFrame) -> AsyncGenerator[ChatEvent, None]:
        """Stream the chosen reply word by word."""
        tokens = split_tokens(self.replies.reply(frame.messages))
        for i, token in enumerate(tokens):
            delay = self.first_token_delay_s if i == 0 else self.token_delay_s
            if delay:
                await self.clock.sleep(delay)
            yield TextDelta(token)
        yield Finish("stop")
        prompt = sum(len(split_tokens(str(m.get("content") or ""))) for m in frame.messages)
        yield Usage(prompt_tokens=prompt, completion_tokens=len(tokens), total_tokens=prompt + len(tokens))
