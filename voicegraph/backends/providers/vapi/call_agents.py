"""CallAgents: one agent graph per Vapi call id, answering that call's chat requests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.frames import LLMMessagesFrame, LLMResponseEndFrame, LLMTextFrame
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.transports.memory_transport import MemoryTransport

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph
    from voicegraph.framework.runtime import Runtime

log = logging.getLogger("voicegraph.backends.vapi")


@dataclass(slots=True)
class CallAgent:
    """A running agent graph of one call (its own runtime, context, memory)."""

    call_id: str
    conn: MemoryTransport
    runtime: Runtime
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_used: float = field(default_factory=time.monotonic)
    requests: int = 0
    errors: list[ErrorEvent] = field(default_factory=list)
    """Coded errors the graph published (a failed reply still ends with its end frame)."""
    superseded: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a newer request of the call cut the reply in progress."""
    interrupted: int = 0
    """Replies cut by a newer request."""


class CallAgents:
    """Keeps one agent graph per call id, built by the backend's graph factory.

    A request is pushed as an `LLMMessagesFrame` (Vapi's messages and tools) into the
    call's graph; its `LLMTextFrame`s stream back as they come, then the tool calls the
    agent left unexecuted (`LLMToolCallFrame` without results: tools Vapi runs), then the
    end. Calls share nothing: a second call gets its own graph, so memory and context
    never bleed. A new request of a call whose previous reply is still streaming (Vapi
    gave up on it: a barge-in) interrupts that reply first: the old stream ends at once
    (finish `stop`), the graph is flushed, and the new request is answered. Graphs idle
    for `idle_s` are stopped by `sweep()`; `close(call_id)` (end-of-call report) and
    `aclose()` stop them.

    Args:
        factory: the backend's per-session graph factory (`(conn) -> Graph`).
        idle_s: how long an unused call graph is kept.
        reply_timeout_s: deadline of one reply.
    """

    def __init__(
        self, factory: Callable[[Any], Graph], *, idle_s: float = 900.0, reply_timeout_s: float = 60.0
    ) -> None:
        self.factory, self.idle_s, self.reply_timeout_s = factory, idle_s, reply_timeout_s
        self.calls: dict[str, CallAgent] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    async def agent(self, call_id: str) -> CallAgent:
        """The call's agent, started on first use.

        Raises:
            VoiceError: (whatever code the graph's start raised) the graph cannot start.
        """
        lock = self._opening.setdefault(call_id, asyncio.Lock())
        async with lock:
            agent = self.calls.get(call_id)
            if agent is None:
                from voicegraph.framework.runtime import Runtime

                conn = MemoryTransport(session_id=call_id)
                runtime = Runtime(
                    self.factory(conn), metadata={"session_id": call_id, "vapi_call_id": call_id}
                )
                await runtime.start()
                agent = self.calls[call_id] = CallAgent(call_id, conn, runtime)
                runtime.bus.subscribe(agent.errors.append, ErrorEvent)
        agent.last_used = time.monotonic()
        return agent

    async def reply(
        self, call_id: str, messages: tuple[dict[str, Any], ...], tools: tuple[dict[str, Any], ...]
    ) -> AsyncIterator[Frame]:
        """Stream the call's agent's reply: `LLMTextFrame`s, `LLMToolCallFrame`s, `LLMResponseEndFrame`.

        Raises:
            VoiceError: (agent_error or the node's code) the agent failed; (timeout) no end in time.
        """
        agent = await self.agent(call_id)
        if agent.lock.locked():  # Vapi abandoned the reply in progress (a barge-in)
            agent.superseded.set()
            agent.interrupted += 1
            await agent.conn.interrupt()
        async with agent.lock:
            superseded = agent.superseded = asyncio.Event()
            agent.requests += 1
            for stale in agent.conn.outputs_nowait():
                log.debug("call %s: dropped stale %s", call_id, stale.name)
            failed = len(agent.errors)
            await agent.conn.send_frame(LLMMessagesFrame(messages=messages, tools=tools))
            async with asyncio.timeout(self.reply_timeout_s):
                while (frame := await _next(agent.conn, superseded)) is not None:
                    if isinstance(frame, LLMResponseEndFrame) and len(agent.errors) > failed:
                        raise agent.errors[-1].error
                    if isinstance(frame, LLMTextFrame | LLMToolCallFrame | LLMResponseEndFrame):
                        yield frame
                    if isinstance(frame, LLMResponseEndFrame):
                        break
            agent.last_used = time.monotonic()

    async def close(self, call_id: str) -> bool:
        """Stop the call's graph (the call ended); False if it had none."""
        agent = self.calls.pop(call_id, None)
        self._opening.pop(call_id, None)
        if agent is None:
            return False
        with contextlib.suppress(Exception):
            await agent.runtime.cancel()
        return True

    async def sweep(self) -> int:
        """Stop the graphs of calls idle longer than `idle_s`; returns how many."""
        now = time.monotonic()
        idle = [
            cid for cid, a in self.calls.items() if now - a.last_used > self.idle_s and not a.lock.locked()
        ]
        for call_id in idle:
            await self.close(call_id)
        return len(idle)

    async def aclose(self) -> None:
        """Stop every call's graph."""
        for call_id in list(self.calls):
            await self.close(call_id)


async def _next(conn: MemoryTransport, superseded: asyncio.Event, poll_s: float = 0.05) -> Frame | None:
    """The graph's next output, or None once a newer request superseded this reply (noticed
    within `poll_s`; the output queue's `get` is safe to cancel, so nothing is lost)."""
    while not superseded.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(poll_s):
                return await conn.next_output()
    return None
