"""AssistantAggregator: records the bot's replies in the conversation, as far as the user heard them."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Literal

from voicegraph.framework.frames import (
    InterruptFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    ReplyPlayedFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    SentenceFrame,
    TextFrame,
    TTSAudioFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.processors.context.assistant_reply import AssistantReply, TextSource
from voicegraph.processors.context.conversation_context import ConversationContext
from voicegraph.processors.context.shared_contexts import shared_context

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext

_ids = itertools.count(1)


class AssistantAggregator(Processor):
    """Keeps the bot's side of the conversation: what was generated, what was heard.

    Place it after TTS, just before the output transport (it also works right after the
    LLM). One node sees both directions: downstream the reply as it is generated, upstream
    the output's `ReplyPlayedFrame` saying how much of it was played.

    Handles, downstream: `LLMResponseStartFrame` (opens a reply in the
    `ConversationContext`, holding its place in the history), the reply's text from
    `LLMTextFrame`, `SentenceFrame`/`TextFrame` or `TTSAudioFrame.text` (whichever is
    the most exact one it sees; transcripts, the user's words, have no handler and pass
    through), `LLMToolCallFrame.messages` (tool rounds, kept even if the reply is cut:
    their side effects happened), `LLMResponseEndFrame` (generation done). Upstream:
    `ReplyPlayedFrame`, which settles the reply: whole when it played to the end, only
    `text_played` when interrupted (estimated from the played share when the TTS gave no
    words), nothing when cut before any audio.

    Emits: everything it gets, in its direction; with `mark_responses` it also wraps
    each reply in `ResponseStartFrame`/`ResponseEndFrame` with its own response id, so
    the output reports exactly that reply (without them the output splits replies on
    silences). Latency: none. Flush: replies not yet reported are marked cut; the
    output's report, which follows the interruption, settles them; one that never got a
    report is settled with nothing heard when the next reply starts. Drain: nothing held.
    Stop: replies still unreported are settled (cut ones as unheard) and the context's
    memory, if any, is synced; reports are never persisted from the playout's task.

    Args:
        context: the shared `ConversationContext`, or its name within the running graph.
        commit_on: `played` waits for the output's report; `generated` settles each reply
            when the LLM finishes (text-only graphs without an output transport).
        mark_responses: emit `ResponseStartFrame`/`ResponseEndFrame` around replies.
    """

    latency = LatencySpec(ms=0.0)

    def __init__(
        self,
        *,
        context: ConversationContext | str = "default",
        commit_on: Literal["played", "generated"] = "played",
        mark_responses: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._context = context if isinstance(context, ConversationContext) else None
        self._context_name = context if isinstance(context, str) else ""
        self._commit_on_generated = commit_on == "generated"
        self._mark = mark_responses
        self._current: AssistantReply | None = None

    @property
    def context(self) -> ConversationContext:
        """The conversation context (resolved by name once the graph started)."""
        if self._context is None:
            raise RuntimeError(f"{self.name}: the shared context {self._context_name!r} exists once started")
        return self._context

    async def on_start(self, ctx: StartContext) -> None:
        if self._context is None:
            self._context = shared_context(ctx.shared, self._context_name)

    # -- downstream: the reply as generated ---------------------------------------------
    @handles
    async def on_response_start(self, frame: LLMResponseStartFrame, out: Outbox) -> None:
        context = self.context
        for stale in context.open_replies():
            if stale.cut:  # cut and never reported: nothing of it was heard
                stale.abandon()
        self._current = context.open_reply(f"{self.name}-{next(_ids)}")
        await out.send(frame)
        if self._mark:
            await out.send(ResponseStartFrame(response_id=self._current.response_id))
        await context.sync(compact=False)

    @handles
    async def on_llm_text(self, frame: LLMTextFrame, out: Outbox) -> None:
        self._add(frame.text, TextSource.LLM)
        await out.send(frame)

    @handles(TextFrame, SentenceFrame)
    async def on_text(self, frame: TextFrame | SentenceFrame, out: Outbox) -> None:
        self._add(frame.text, TextSource.SENTENCE)
        await out.send(frame)

    @handles
    async def on_speech(self, frame: TTSAudioFrame, out: Outbox) -> None:
        self._add(frame.text, TextSource.SPEECH)
        await out.send(frame)

    @handles
    async def on_tool_calls(self, frame: LLMToolCallFrame, out: Outbox) -> None:
        if self._current is not None:
            self._current.tool_messages += [dict(m) for m in frame.messages]
        await out.send(frame)

    @handles
    async def on_response_end(self, frame: LLMResponseEndFrame, out: Outbox) -> None:
        reply, self._current = self._current, None
        await out.send(frame)
        if reply is None:
            return
        reply.generated_done = True
        if self._mark:
            await out.send(ResponseEndFrame(response_id=reply.response_id))
        if self._commit_on_generated:
            reply.abandon()
        await self.context.sync(compact=False)

    def _add(self, text: str, source: TextSource) -> None:
        if self._current is not None:
            self._current.add_text(text, source)

    # -- upstream: what was heard -------------------------------------------------------
    @handles
    async def on_played(self, frame: ReplyPlayedFrame, out: Outbox) -> None:
        reply = self.context.find_reply(frame.response_id if self._mark else "")
        if reply is not None and not reply.settled:
            reply.report(
                text_played=frame.text_played,
                played_ns=frame.played_ns,
                total_ns=frame.total_ns,
                interrupted=frame.interrupted,
            )
            if reply is self._current:
                self._current = None
        await out.send(frame)  # persisted later, off the playout task (next reply or stop)

    @handles
    async def on_interrupt(self, frame: InterruptFrame, out: Outbox) -> None:
        for reply in self.context.open_replies():
            reply.cut = True
        self._current = None

    async def on_stop(self) -> None:
        """The call is over: settle replies that got no report, persist the rest."""
        if self._context is None:
            return
        for reply in self._context.open_replies():
            reply.abandon()
        await self._context.sync(compact=False)
