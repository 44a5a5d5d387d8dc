"""WorkflowTrigger: voice events of a call start user workflows (async callables or graphs).

Mapping to an orchestration engine: a workflow is any `async def wf(event) -> None`;
make it the thin adapter that hands `event.as_dict()` to the engine of your choice
(start a Temporal workflow with `id=event.key`, submit a Prefect flow run, enqueue a
Celery task, POST to an n8n/Zapier webhook...). `event.key` is stable per session,
kind and sequence number, so a retried hand-off is idempotent. Keep the adapter quick:
in-call workflows run inside the call's task group and are cancelled when it stops;
`call_ended` ones get `call_ended_timeout_s`.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING, Any

from voicegraph.framework.bus import CustomEvent, ErrorEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.framework.frames.call import EndCallFrame
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.processors.agent.workflow_event import VoiceEvent, Workflow, WorkflowEvent

if TYPE_CHECKING:
    from collections.abc import Iterable

    from voicegraph.framework.context import StartContext
    from voicegraph.processors.context.conversation_context import ConversationContext

log = logging.getLogger("voicegraph.workflows")

WorkflowLike = Workflow | str


class WorkflowTrigger(Processor):
    """Starts user workflows on voice events; passes every frame through unchanged.

    Events: `turn_ended` (a `TurnEndFrame`; `text` holds the turn's final transcripts),
    `tool_called` (one per call in an `LLMToolCallFrame`, with its result), `user_silent`
    (no user speech for `silence_s` after the bot stopped speaking, or after a reply when
    there is no output transport; with `repeat_silence` it fires again every `silence_s`),
    and `call_ended` (end of stream, reason `end`, or `end_call` after an `EndCallFrame`;
    `cancelled` when the graph stops without draining). Each event is also published on
    the bus as `CustomEvent(name="voice.<kind>", payload=event.as_dict())`.

    Place it after the LLM (it then sees transcripts, turn ends, tool calls and, upstream,
    the output's speaking events). Workflows run as tasks of the graph (concurrently,
    never blocking the call); frames a workflow returns are sent downstream from here
    (e.g. a `TextFrame` to speak, when placed before TTS). A failing workflow is
    published on the bus as a non-fatal `agent_error` and the call goes on.

    Latency: none. Flush: nothing held. Drain: runs `call_ended` workflows and waits for
    them (at most `call_ended_timeout_s`).

    Args:
        on_turn_ended, on_tool_called, on_user_silent, on_call_ended: workflows (async
            callables, `GraphWorkflow`s, or `"module:attr"` strings for graph specs).
        context: a `ConversationContext` (or its shared name) whose messages ride along.
    """

    interruptible = False
    background_output = True  # the silence timer and workflow results send frames

    def __init__(
        self,
        *,
        on_turn_ended: Iterable[WorkflowLike] = (),
        on_tool_called: Iterable[WorkflowLike] = (),
        on_user_silent: Iterable[WorkflowLike] = (),
        on_call_ended: Iterable[WorkflowLike] = (),
        silence_s: float = 10.0,
        repeat_silence: bool = False,
        call_ended_timeout_s: float = 10.0,
        context: ConversationContext | str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if silence_s <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "silence_s must be positive", node=name)
        self.workflows: dict[VoiceEvent, list[Workflow]] = {
            VoiceEvent.TURN_ENDED: [_resolve(w) for w in on_turn_ended],
            VoiceEvent.TOOL_CALLED: [_resolve(w) for w in on_tool_called],
            VoiceEvent.USER_SILENT: [_resolve(w) for w in on_user_silent],
            VoiceEvent.CALL_ENDED: [_resolve(w) for w in on_call_ended],
        }
        self.silence_ns = int(silence_s * 1e9)
        self.repeat_silence = repeat_silence
        self.call_ended_timeout_s = call_ended_timeout_s
        self._context_ref = context
        self._context: ConversationContext | None = None
        self._ctx: StartContext | None = None
        self._seq = 0
        self._texts: list[str] = []
        self._armed = asyncio.Event()
        self._deadline = 0
        self._silent_since = 0
        self._end_reason = ""
        self._ended = False
        self.fired: list[WorkflowEvent] = []
        """Every event fired, in order (for inspection and tests)."""

    async def on_start(self, ctx: StartContext) -> None:
        self._ctx = ctx
        ref = self._context_ref
        if isinstance(ref, str):
            from voicegraph.processors.context.shared_contexts import shared_context

            self._context = shared_context(ctx.shared, ref)
        else:
            self._context = ref
        if self.workflows[VoiceEvent.USER_SILENT]:
            ctx.spawn(self._silence_loop(), name=f"{self.name}:silence")
            self._arm()

    # -- frames -------------------------------------------------------------------------
    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        if frame.final and frame.text.strip():
            self._texts.append(frame.text.strip())
        self._disarm()
        await out.send(frame)

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        self._disarm()
        await out.send(frame)
        text, self._texts = " ".join(self._texts), []
        self._fire(self._event(VoiceEvent.TURN_ENDED, text=text, with_messages=True))

    @handles
    async def on_tool_calls(self, frame: LLMToolCallFrame, out: Outbox) -> None:
        await out.send(frame)
        results = {r.call_id: r for r in frame.results}
        for call in frame.calls:
            result = results.get(call.id)
            tool: dict[str, Any] = {"id": call.id, "name": call.name, "arguments": call.arguments}
            tool["result"] = result.content if result else None
            tool["error"] = result.error if result else ""
            self._fire(self._event(VoiceEvent.TOOL_CALLED, tool=tool))

    @handles
    async def on_end_call(self, frame: EndCallFrame, out: Outbox) -> None:
        self._end_reason = "end_call"
        await out.send(frame)

    @handles(UserStartedSpeakingFrame, BotStartedSpeakingFrame, LLMResponseStartFrame)
    async def on_activity(self, frame: Frame, out: Outbox) -> None:
        self._disarm()
        await out.send(frame)

    @handles(BotStoppedSpeakingFrame, LLMResponseEndFrame)
    async def on_quiet(self, frame: Frame, out: Outbox) -> None:
        self._arm()
        await out.send(frame)

    # -- silence ------------------------------------------------------------------------
    def _arm(self) -> None:
        if self._ctx is None or not self.workflows[VoiceEvent.USER_SILENT]:
            return
        now = self.clock.now_ns()
        self._silent_since = now
        self._deadline = now + self.silence_ns
        self._armed.set()

    def _disarm(self) -> None:
        self._armed.clear()

    async def _silence_loop(self) -> None:
        while True:
            await self._armed.wait()
            deadline = self._deadline
            await self.clock.sleep_until(deadline)
            if not self._armed.is_set() or self._deadline != deadline:
                continue  # speech or a newer arming came meanwhile
            self._armed.clear()
            silent_s = (self.clock.now_ns() - self._silent_since) / 1e9
            self._fire(self._event(VoiceEvent.USER_SILENT, silent_s=silent_s))
            if self.repeat_silence:
                self._deadline = deadline + self.silence_ns
                self._armed.set()

    # -- running workflows --------------------------------------------------------------
    def _event(self, kind: VoiceEvent, *, with_messages: bool = False, **fields: Any) -> WorkflowEvent:
        self._seq += 1
        ctx = self._ctx
        messages = self._context.messages() if with_messages and self._context is not None else ()
        session = str(ctx.metadata.get("session_id", "")) if ctx is not None else ""
        at = self.clock.now_ns() if ctx is not None else 0
        return WorkflowEvent(
            kind=kind, session_id=session, seq=self._seq, at_ns=at, messages=messages, **fields
        )

    def _fire(self, event: WorkflowEvent) -> None:
        self.fired.append(event)
        ctx = self._ctx
        if ctx is None:
            return
        ctx.bus.publish(
            CustomEvent(graph=ctx.graph_name, name=f"voice.{event.kind}", payload=event.as_dict())
        )
        for workflow in self.workflows[event.kind]:
            ctx.spawn(self._run(workflow, event, send=True), name=f"{self.name}:{event.kind}")

    async def _run(self, workflow: Workflow, event: WorkflowEvent, *, send: bool) -> None:
        try:
            frames = await workflow(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._report(event, exc)
            return
        if send and isinstance(frames, list | tuple) and not self._ended:
            for frame in frames:
                if isinstance(frame, Frame):
                    await self.outbox.send(frame)

    def _report(self, event: WorkflowEvent, exc: BaseException) -> None:
        log.warning("%s: %s workflow failed: %r", self.name, event.kind, exc)
        if self._ctx is not None:
            err = VoiceError(ErrorCode.AGENT_ERROR, f"{event.kind} workflow failed: {exc!r}", node=self.name)
            self._ctx.bus.publish(ErrorEvent(graph=self._ctx.graph_name, error=err, node=self.name))

    async def _call_ended(self, reason: str) -> None:
        if self._ended:
            return
        self._ended = True
        self._disarm()
        event = self._event(VoiceEvent.CALL_ENDED, reason=reason, with_messages=True)
        self.fired.append(event)
        if self._ctx is not None:
            payload = event.as_dict()
            self._ctx.bus.publish(
                CustomEvent(graph=self._ctx.graph_name, name="voice.call_ended", payload=payload)
            )
        runs = [self._run(w, event, send=False) for w in self.workflows[VoiceEvent.CALL_ENDED]]
        if runs:
            try:
                async with asyncio.timeout(self.call_ended_timeout_s):
                    await asyncio.gather(*runs)
            except TimeoutError:
                self._report(
                    event, TimeoutError(f"call_ended workflows ran past {self.call_ended_timeout_s}s")
                )

    async def on_drain(self, out: Outbox) -> None:
        await self._call_ended(self._end_reason or "end")

    async def on_stop(self) -> None:
        await self._call_ended("cancelled")


def _resolve(item: WorkflowLike) -> Workflow:
    if not isinstance(item, str):
        return item
    module, _, attr = item.partition(":")
    try:
        value: Workflow = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"cannot import workflow {item!r}: {exc}") from exc
    return value
