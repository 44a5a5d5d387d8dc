"""warm_engines: pay a voice agent's one-off first-request costs before the first user turn."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from voicegraph.processors.agent.local_llm_node import LocalLLMNode
from voicegraph.processors.context.user_aggregator import UserAggregator

if TYPE_CHECKING:
    from voicegraph.framework.graph import Graph


async def warm_engines(graph: Graph) -> dict[str, float]:
    """Warm what the nodes do not warm themselves; returns ms spent per node.

    Models load in the nodes' `on_start` (STT, TTS, VAD) and the local LLM server
    answers one token at start. What is left is the local LLM's prompt cache: one
    request with the conversation's system prompt puts that prefix in llama.cpp's cache,
    so the first turn evaluates only the user's words. Call it after `Runtime.start()`.
    Cloud LLMs are not warmed (a request costs money).
    """
    messages = _opening_messages(graph)
    spent: dict[str, float] = {}
    for name, proc in graph.processors.items():
        if isinstance(proc, LocalLLMNode):
            t0 = time.perf_counter()
            params = {k: v for k, v in proc.params.items() if k != "max_tokens"}
            async with contextlib.aclosing(proc.client.stream(messages, max_tokens=1, **params)) as events:
                async for _ in events:
                    pass
            spent[name] = (time.perf_counter() - t0) * 1000
    return spent


def _opening_messages(graph: Graph) -> tuple[dict[str, Any], ...]:
    for proc in graph.processors.values():
        if isinstance(proc, UserAggregator):
            return (*proc.context.messages(), {"role": "user", "content": "Hello."})
    return ({"role": "user", "content": "Hello."},)
