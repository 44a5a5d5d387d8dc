"""ConversationTest: drive a graph with scripted user turns and check what the agent did."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Literal

from voicegraph.demo.caller_line import CallerLine
from voicegraph.evals.graph_source import build_text_graph, resolve_spec, runs_on_virtual_clock, text_spec
from voicegraph.evals.reply_recorder import ReplyRecorder
from voicegraph.evals.turn_record import TurnRecord
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.clock import VirtualClock
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.graph import Graph
from voicegraph.framework.runtime import Runtime

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from types import TracebackType

    from voicegraph.framework.spec import GraphSpec
    from voicegraph.graphs.voice_agent import VoiceAgentOptions

ClockChoice = Literal["auto", "virtual", "real"]
_SETTLE_ROUNDS = 20


class ConversationTest:
    """A conversation with a graph, for tests: scripted user turns in, `TurnRecord`s out.

        async with ConversationTest(options=VoiceAgentOptions(agent="scripted")) as conv:
            turn = await conv.user_says("What is your name?")
            turn.expect.said(r"Vee")

    Text conversations (default) cut the graph's audio nodes off (`text_spec`) and push
    each turn as the STT and turn detector would (user started/stopped speaking, the
    transcript, the turn end); `user_says` returns when the agent's reply has ended.
    They run on a `VirtualClock` when every node left is pure async (`clock="auto"`),
    so scripted delays cost no wall time; a local or remote LLM runs in real time.

    Audio conversations (`audio=True`) keep the whole graph: `converse(lines)` speaks
    each line with a synthesized voice (Piper) into a `MemoryTransport` in real time,
    with pauses and barge-ins as `CallerLine` says, and returns one turn per agent
    request, with `interrupted` and `first_audio_ms` measured.

    Args:
        graph: a `Graph` (text only, driven as is), a `GraphSpec`, a YAML path or dict;
            None: the stock voice agent.
        options: `VoiceAgentOptions` applied to the spec (stock-shaped specs only).
        audio: drive the whole audio path instead of typed turns.
        clock: "auto", "virtual" or "real" (text conversations; audio is real time).
        reply_timeout_s: how long a turn waits for the reply (wall time).
        caller_voice: "piper" or "espeak" (audio conversations).
    """

    def __init__(
        self,
        graph: Graph | GraphSpec | str | Path | dict[str, Any] | None = None,
        *,
        options: VoiceAgentOptions | None = None,
        audio: bool = False,
        clock: ClockChoice = "auto",
        reply_timeout_s: float = 30.0,
        caller_voice: str = "piper",
    ) -> None:
        self._graph: Graph | None = None
        self.spec: GraphSpec | None = None
        """The spec driven (None when a built `Graph` was given)."""
        if isinstance(graph, Graph):
            if audio or options is not None:
                raise VoiceError(
                    ErrorCode.INVALID_CONFIG,
                    "a built Graph is driven as is: pass a spec for audio or options",
                )
            self._graph = graph
        else:
            self.spec = resolve_spec(graph)
        if self.spec is not None and options is not None:
            from voicegraph.graphs.voice_agent import voice_agent_spec

            self.spec = voice_agent_spec(options, self.spec)
        self.audio = audio
        self.clock_choice = clock
        self.reply_timeout_s = reply_timeout_s
        self.caller_voice = caller_voice
        self.turns: list[TurnRecord] = []
        """Every turn so far."""
        self.errors: list[str] = []
        """Errors the graph reported (filled at the end)."""
        self.runtime: Runtime | None = None
        self._recorder = ReplyRecorder()
        self._errors: list[str] = []
        self._stack = contextlib.AsyncExitStack()

    @property
    def virtual(self) -> bool:
        """Whether this (text) conversation runs on the virtual clock."""
        if self.audio or self.clock_choice == "real":
            return False
        return self.clock_choice == "virtual" or (
            self.spec is not None and runs_on_virtual_clock(text_spec(self.spec))
        )

    async def __aenter__(self) -> ConversationTest:
        if not self.audio:
            try:
                await self._start_text()
            except BaseException:
                await self._stack.aclose()  # the virtual clock's driver
                raise
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.runtime is not None:
                if exc is None:
                    await self.runtime.end()
                else:
                    await self.runtime.cancel()
                self.errors += self._errors
        finally:
            await self._stack.aclose()

    async def _start_text(self) -> None:
        graph = self._graph
        if graph is None:
            assert self.spec is not None
            graph = build_text_graph(text_spec(self.spec))
        clock = None
        if self.virtual:
            clock = await self._stack.enter_async_context(VirtualClock().autojump())
        self.runtime = Runtime(graph, clock=clock, start_timeout=180.0)
        self._recorder.attach(self.runtime)
        self.runtime.bus.subscribe(lambda e: self._errors.append(str(e.error)), ErrorEvent)
        await self.runtime.start()

    async def user_says(self, text: str) -> TurnRecord:
        """One typed user turn; returns when the agent's reply ended (or after `reply_timeout_s`).

        Raises:
            VoiceError: (invalid_config) in an audio conversation (use `converse`) or
                outside `async with`.
        """
        rt = self.runtime
        if self.audio or rt is None:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, "user_says needs a started text conversation (audio: converse)"
            )
        turn = TurnRecord(index=len(self.turns) + 1, user_text=text)
        self.turns.append(turn)
        before, errors_before = len(self._recorder.replies), len(self._errors)
        self._recorder.ended.clear()
        t0 = rt.clock.now_ns()
        for frame in (UserStartedSpeakingFrame(), UserStoppedSpeakingFrame(), TranscriptFrame(text=text)):
            await rt.push(frame)
        await rt.push(TurnEndFrame())
        if not await self._reply_ended(before):
            turn.errors.append(f"no reply within {self.reply_timeout_s:g} s")
        for _ in range(_SETTLE_ROUNDS):  # call actions follow the response end in the same handler
            await asyncio.sleep(0)
        turn.errors[:0] = self._errors[errors_before:]
        for reply in self._recorder.replies[before:]:
            turn.events += reply.events
            if reply.first_text_ns is not None and "first_text_ms" not in turn.timings_ms:
                turn.timings_ms["first_text_ms"] = (reply.first_text_ns - t0) / 1e6
            if reply.end_ns is not None:
                turn.timings_ms["reply_ms"] = (reply.end_ns - t0) / 1e6
        return turn

    async def _reply_ended(self, before: int) -> bool:
        """Wait (wall time) until a reply started after `before` replies has ended."""
        replies, ended = self._recorder.replies, self._recorder.ended
        try:
            async with asyncio.timeout(self.reply_timeout_s):
                while not (len(replies) > before and replies[-1].end_ns is not None):
                    await ended.wait()
                    ended.clear()
        except TimeoutError:
            return False
        return True

    async def converse(self, lines: Sequence[CallerLine | str]) -> list[TurnRecord]:
        """Say every line: typed turns one after another, or (audio) one spoken call.

        In an audio conversation this is the whole call: the graph starts, the caller
        speaks the lines (waiting for each reply, or barging in), and the graph drains.

        Raises:
            VoiceError: as `user_says`; (timeout) an audio graph that does not drain.
        """
        said = [CallerLine(x) if isinstance(x, str) else x for x in lines]
        if not self.audio:
            return [await self.user_says(line.text) for line in said]
        from voicegraph.evals.audio_call import run_audio_call

        assert self.spec is not None
        wait_s = min(self.reply_timeout_s, 10.0)  # the caller waits this long for a reply that does not come
        result = await run_audio_call(self.spec, said, voice=self.caller_voice, reply_timeout_s=wait_s)
        for turn in result.turns:
            turn.index = len(self.turns) + 1
            self.turns.append(turn)
        self.errors += result.errors
        return result.turns
