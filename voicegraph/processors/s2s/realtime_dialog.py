"""RealtimeDialog: the conversation with a realtime model, as seen from one S2S node."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import MetricsFrame, UserStartedSpeakingFrame, UserStoppedSpeakingFrame
from voicegraph.processors.s2s.realtime_barge_in import RealtimeBargeIn
from voicegraph.processors.s2s.realtime_client_events import cancel_response, commit_audio, create_response
from voicegraph.processors.s2s.realtime_connection import ConnectionLostError
from voicegraph.processors.s2s.realtime_conversation_log import RealtimeConversationLog
from voicegraph.processors.s2s.realtime_error_map import voice_error
from voicegraph.processors.s2s.realtime_event_decoder import decode_server_event
from voicegraph.processors.s2s.realtime_reply_output import RealtimeReplyOutput
from voicegraph.processors.s2s.realtime_server_events import (
    AudioDelta,
    FunctionCall,
    InputCommitted,
    RealtimeTextDelta,
    ResponseCreated,
    ResponseDone,
    ServerError,
    SessionEvent,
    SpeechStarted,
    SpeechStopped,
    TextDone,
    UserTranscript,
)
from voicegraph.processors.s2s.realtime_tool_calls import RealtimeToolCalls
from voicegraph.processors.s2s.reply_audio_ledger import ReplyAudioLedger

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.framework.context import StartContext
    from voicegraph.framework.outbox import Outbox
    from voicegraph.processors.agent.tool_registry import ToolRegistry
    from voicegraph.processors.s2s.realtime_client import RealtimeClient
    from voicegraph.processors.s2s.realtime_options import RealtimeOptions
    from voicegraph.processors.s2s.realtime_server_events import ServerEvent
    from voicegraph.processors.s2s.realtime_session_config import RealtimeSessionConfig


class RealtimeDialog:
    """Turns provider events into frames, and graph events into provider requests.

    Reads the socket (`read_loop`), hands output to `RealtimeReplyOutput`, keeps the
    `ReplyAudioLedger` and the local conversation, runs tools, creates responses one at
    a time (a request during an active response waits for its end), reconnects when the
    socket drops, and handles barge-in through `RealtimeBargeIn`.

    Args:
        name: the node's name (errors, metrics).
        ctx: the node's start context (clock, bus, spawn, runtime epoch).
        outbox: the node's outbox for frames from background tasks.
        client: the provider session, already started.
        config, options: the session and node settings.
        tools: the agent layer's tool registry.
        auto_respond: ask for a reply at each turn end (else an `S2SRespondFrame` does).
    """

    def __init__(
        self,
        *,
        name: str,
        ctx: StartContext,
        outbox: Outbox,
        client: RealtimeClient,
        config: RealtimeSessionConfig,
        options: RealtimeOptions,
        tools: ToolRegistry,
        auto_respond: bool,
    ) -> None:
        self.name, self.ctx, self.outbox, self.client = name, ctx, outbox, client
        self.config, self.options, self.auto_respond = config, options, auto_respond
        self.ledger = ReplyAudioLedger(tail_ns=int(options.tail_ms * 1e6))
        self.log = RealtimeConversationLog()
        self.changed = asyncio.Event()  # set whenever `busy` may have turned false
        self.output = RealtimeReplyOutput(
            name=name, outbox=outbox, ledger=self.ledger, log=self.log, options=options,
            fmt=config.output_format.audio_format, now=self.now, epoch=lambda: ctx.epoch,
            changed=self.changed, report=self.report,
        )  # fmt: skip
        self.emitter = self.output.emitter
        self.barge_in = RealtimeBargeIn(self)
        self.tools = RealtimeToolCalls(
            tools, client, self.log, spawn=ctx.spawn, respond=self.request_response, report=self.report,
            changed=self.changed, metadata=ctx.metadata,
        )  # fmt: skip
        self.active: str | None = None  # the response the provider is generating
        self.creating = False  # response.create sent, response.created not seen yet
        self.pending: str | None = None  # instructions of a response.create waiting for `active` to end
        self.awaiting_reply = False  # a turn ended and the provider will answer by itself
        self.user_speaking = False  # the provider heard speech start and not yet its end
        self.uncommitted_ns = 0
        self.malformed = 0
        out = self.output
        self._handlers: dict[type[ServerEvent], Callable[[Any], Awaitable[None]]] = {
            SpeechStarted: self._speech_started, SpeechStopped: self._speech_stopped,
            InputCommitted: self._committed, UserTranscript: out.user_transcript,
            ResponseCreated: self._created, AudioDelta: out.audio, RealtimeTextDelta: out.text_delta,
            TextDone: out.text_done, FunctionCall: self._function_call, ResponseDone: self._done,
            ServerError: self._error, SessionEvent: self._session,
        }  # fmt: skip
        self._synced = asyncio.Event()

    # -- helpers --------------------------------------------------------------------------
    def now(self) -> int:
        """Graph clock, ns."""
        return self.ctx.clock.now_ns()

    def report(self, err: VoiceError) -> None:
        """Publish a coded error on the graph bus (the node goes on)."""
        bus = self.ctx.bus
        bus.publish(
            ErrorEvent(graph=bus.name, error=err if err.node else err.with_node(self.name), node=self.name)
        )

    @property
    def busy(self) -> bool:
        """A reply is being asked for, generated, or still queued for downstream."""
        return bool(
            self.active or self.creating or self.pending is not None or self.awaiting_reply
            or self.tools.busy or len(self.emitter)
        )  # fmt: skip

    async def sync(self) -> None:
        """Round trip to the provider: once it returns, the events that what we sent so far
        caused (speech stopped, a response created) have been handled."""
        self._synced.clear()
        if await self.client.send(self.config.noop_update()):
            await self._synced.wait()

    async def settle(self) -> None:
        """Wait until no reply is asked for, generated, or queued (the caller bounds it)."""
        await self.sync()
        while self.busy:
            self.changed.clear()
            await self.changed.wait()
        await self.emitter.idle()

    # -- requests -------------------------------------------------------------------------
    async def request_response(self, instructions: str = "") -> None:
        """Ask for a reply now, or as soon as the active one ends."""
        if self.active or self.creating:
            self.pending = instructions
            return
        self.creating = True
        if self.output.turn_end_ns is None:
            self.output.turn_end_ns = self.now()
        if not await self.client.send(create_response(instructions)):
            self.creating = False
            self.changed.set()

    async def end_user_turn(self) -> None:
        """A local turn end: commit the buffered audio, then (auto) ask for the reply."""
        if self.uncommitted_ns >= self.options.min_commit_ms * 1e6:
            self.uncommitted_ns = 0
            await self.client.send(commit_audio())
        self.output.turn_end_ns = self.now()
        if self.auto_respond:
            await self.request_response()

    # -- the socket -----------------------------------------------------------------------
    async def read_loop(self) -> None:
        """Handle server events until the graph stops; reconnect when the socket drops."""
        while True:
            try:
                message = await self.client.recv()
            except ConnectionLostError:
                if not await self._recover():
                    return
                continue
            await self.on_message(message)

    async def on_message(self, message: str | bytes) -> None:
        """One server message; a malformed one is reported and skipped."""
        try:
            event = decode_server_event(message)
        except VoiceError as err:
            self.malformed += 1
            self.report(err)
            return
        handler = self._handlers.get(type(event))
        if handler is not None:
            await handler(event)

    async def _recover(self) -> bool:
        # A reply owed but not started yet died with the old session: ask the new one for it
        # (else the turn would go unanswered, with no error). One already playing is not redone.
        unstarted = self.active is not None and self.active not in self.output.started
        owed = self.awaiting_reply or self.creating or self.pending is not None or unstarted
        instructions = self.pending or ""
        self.output.close_all()
        self.ledger.new_session()
        self.active, self.creating, self.pending, self.awaiting_reply = None, False, None, False
        self.tools.cancel_all()
        err = await self.client.reconnect(self.log.replay_items(beta=self.config.beta))
        if err is not None:
            self.report(err)
            return False
        await self.outbox.send(
            MetricsFrame(node=self.name, values={"reconnects": float(self.client.reconnects)})
        )
        if owed:
            await self.request_response(instructions)
        elif self.user_speaking:
            await self._lost_user_turn()
        return True

    async def _lost_user_turn(self) -> None:
        """The provider had the user's words in flight when the socket dropped: they are gone.
        Say so with a code, and end the turn for downstream (nothing else would end it)."""
        self.user_speaking = False
        msg = "connection lost during the user's turn; it was not answered"
        self.report(VoiceError(ErrorCode.CONNECTION_FAILED, msg, node=self.name, retriable=True))
        await self.outbox.send(UserStoppedSpeakingFrame(speech_end_ns=self.now()))

    # -- server events --------------------------------------------------------------------
    async def _session(self, event: SessionEvent) -> None:
        self.client.session = event.session
        self._synced.set()

    async def _speech_started(self, event: SpeechStarted) -> None:
        self.awaiting_reply = False  # the user goes on: the turn is not over
        self.user_speaking = True
        if self.ledger.live(self.now()):
            await self.outbox.request_interrupt("barge-in: provider VAD heard the user")
        await self.outbox.send(UserStartedSpeakingFrame(speech_start_ns=self.now()))

    async def _speech_stopped(self, event: SpeechStopped) -> None:
        now = self.output.turn_end_ns = self.now()
        self.user_speaking = False
        self.awaiting_reply = self.config.turn_detection.create_response and self.auto_respond
        await self.outbox.send(UserStoppedSpeakingFrame(speech_end_ns=now))

    async def _committed(self, event: InputCommitted) -> None:
        self.log.user_item(event.item_id)

    async def _created(self, event: ResponseCreated) -> None:
        self.active, self.creating, self.awaiting_reply = event.response_id, False, False
        self.changed.set()
        self.ledger.open(event.response_id, self.ctx.epoch)
        if self.options.response_timeout_s is not None:
            self.ctx.spawn(self._deadline(event.response_id), name=f"{self.name}:response-deadline")

    async def _deadline(self, rid: str) -> None:
        """Close response `rid` as failed if its `response.done` has not come in time."""
        assert self.options.response_timeout_s is not None
        await asyncio.sleep(self.options.response_timeout_s)
        if self.active != rid:
            return  # done (or replaced) in time
        timeout = {
            "code": "timeout",
            "message": f"no response.done within {self.options.response_timeout_s} s",
        }
        with contextlib.suppress(VoiceError):
            await self.client.send(cancel_response(rid))
        await self._done(ResponseDone("response.done", response_id=rid, status="failed", error=timeout))

    async def _function_call(self, event: FunctionCall) -> None:
        if self.output.accepts(event.response_id):
            self.tools.start(event)

    async def _done(self, event: ResponseDone) -> None:
        rid = event.response_id
        if self.active == rid:
            self.active = None
        reply = self.ledger.done(rid)
        self.output.close_reply(rid, tag=rid)
        self.tools.reply_done()
        for action in self.tools.take_actions():
            self.emitter.put("", action)
        if event.status == "failed":
            err = voice_error(
                event.error or {"message": "response failed"}, node=self.name, context="response"
            )
            if err is not None:
                self.report(err)
        cut = reply is not None and reply.cut
        self.tools.response_done(rid, respond=event.status == "completed" and not cut)
        if self.pending is not None and self.active is None:
            instructions, self.pending = self.pending, None
            await self.request_response(instructions)
        self.changed.set()

    async def _error(self, event: ServerError) -> None:
        if event.code == "conversation_already_has_active_response":
            self.creating = False  # raced the provider's own response: that one answers
            self.changed.set()
        err = voice_error(
            {"type": event.error_type, "code": event.code, "message": event.message, "param": event.param},
            node=self.name,
        )
        if err is not None:
            self.report(err)
