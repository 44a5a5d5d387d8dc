"""LocalLLMNode: LLMNode on the shared local SmolLM2 server (no key, no network)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.agent.endpoint import Endpoint
from voicegraph.processors.agent.llm_node import LLMNode
from voicegraph.processors.agent.local_llm_server import LocalLLMServer

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from voicegraph.framework.context import StartContext
    from voicegraph.processors.agent.chat_timeouts import ChatTimeouts
    from voicegraph.processors.agent.retry_policy import RetryPolicy
    from voicegraph.processors.agent.tool_registry import ToolLike, ToolRegistry

DEFAULT_PARAMS: dict[str, Any] = {"max_tokens": 96, "temperature": 0.3}
"""Short, calm replies: a voice turn, not an essay."""


class LocalLLMNode(LLMNode):
    """The embedded default agent: `LLMNode` against a `LocalLLMServer` on loopback.

    Handles and emits exactly what `LLMNode` does. On start it acquires the process-wide
    server for its configuration (loading SmolLM2-135M-Instruct once per process, ~0.5 s,
    off the event loop; nothing when preloaded) unless `server` is given. The shared
    server outlives the session: it runs until the process exits or `close_engines()`.
    Latency: local time to first token (tens of ms for a short prompt on 2 cores).
    Flush and drain as `LLMNode`.

    Args:
        server: a started server to use instead of the shared one.
        params: request fields (default: `max_tokens` 96, `temperature` 0.3).
        model_path, n_ctx, threads, batch_threads, nice: configuration of the shared
            server (`LocalLLMServer`: generation threads, prompt-processing threads, CPU
            priority of its threads).
        timeouts, retry, tools, max_tool_steps, tool_timeout_s: as for `LLMNode`.
    """

    latency = LatencySpec(ms=60.0, note="local SmolLM2-135M time to first token")

    def __init__(
        self,
        *,
        server: LocalLLMServer | None = None,
        params: Mapping[str, Any] | None = None,
        model_path: str | Path | None = None,
        n_ctx: int = 2048,
        threads: int = 2,
        batch_threads: int | None = None,
        nice: int = 0,
        timeouts: ChatTimeouts | Mapping[str, float] | None = None,
        retry: RetryPolicy | Mapping[str, Any] | None = None,
        tools: ToolRegistry | Iterable[ToolLike] | None = None,
        max_tool_steps: int = 5,
        tool_timeout_s: float = 10.0,
        name: str | None = None,
    ) -> None:
        super().__init__(
            endpoints=(), params=DEFAULT_PARAMS if params is None else params,
            timeouts=timeouts, retry=retry, tools=tools, max_tool_steps=max_tool_steps,
            tool_timeout_s=tool_timeout_s, name=name,
        )  # fmt: skip
        self._given = server
        self._shared_config = (model_path, n_ctx, threads, batch_threads, nice)

    def load_engines(self) -> None:
        """Start the server this node will use (blocking; for preloading before a session)."""
        self.shared_server()

    def warm_engines(self) -> None:
        """Nothing more: a server answers one request as it starts (see `LocalLLMServer`)."""

    def shared_server(self) -> LocalLLMServer:
        """The server this node uses, started if needed (blocking: a load takes ~0.5 s).

        Raises:
            VoiceError: as `LocalLLMServer.start`.
        """
        if self._given is not None:
            if not self._given.running:
                self._given.start()
            return self._given
        model_path, n_ctx, threads, batch_threads, nice = self._shared_config
        return LocalLLMServer.acquire(
            model_path=model_path, n_ctx=n_ctx, threads=threads, batch_threads=batch_threads, nice=nice
        )

    async def on_start(self, ctx: StartContext) -> None:
        """Get the server running (or find it running) and point the chat client at it."""
        server = await asyncio.to_thread(self.shared_server)
        self.endpoints = (Endpoint(base_url=server.base_url, model=server.model),)
        await super().on_start(ctx)
