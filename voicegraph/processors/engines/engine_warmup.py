"""warm_engines: pay a voice agent's one-off first-request costs before the first user turn."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.processors.agent.local_llm_node import LocalLLMNode
from voicegraph.processors.context.conversation_context import ConversationContext
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
    messages = opening_messages(graph)
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


def warm_prompt_cache(node: LocalLLMNode, graph: Graph) -> None:
    """`warm_engines` for one local LLM node of a graph that is not running (blocking).

    Sends the graph's opening messages to the node's shared server, one token asked,
    so their prefix is in the server's prompt cache before the first session.

    Raises:
        VoiceError: (agent_error) the server did not answer; as `LocalLLMServer.start`.
    """
    try:
        import httpx
    except ImportError:
        raise missing_dependency("local", "httpx") from None
    server = node.shared_server()
    params = {k: v for k, v in node.params.items() if k not in ("max_tokens", "stream")}
    body = {**params, "model": server.model, "messages": list(opening_messages(graph)), "max_tokens": 1}
    try:
        httpx.post(server.base_url + "/chat/completions", json=body, timeout=60.0).raise_for_status()
    except httpx.HTTPError as exc:
        raise VoiceError(ErrorCode.AGENT_ERROR, f"local LLM warm-up failed: {exc}", node=node.name) from exc


def opening_messages(graph: Graph) -> tuple[dict[str, Any], ...]:
    """The messages of a first turn: the conversation's system prompt and a greeting.

    From the running context, or, in a graph not started, from the user aggregator's
    `system_prompt` (rendered with the template's defaults; a template that needs a
    session's variables warms the greeting alone).
    """
    greeting = {"role": "user", "content": "Hello."}
    for proc in graph.processors.values():
        if isinstance(proc, UserAggregator):
            try:
                context = proc.context
            except RuntimeError:  # not started: the shared context does not exist yet
                prompt = getattr(proc, "_system_prompt", None) or ""
                context = ConversationContext(system_prompt=prompt)
            try:
                return (*context.messages(), greeting)
            except VoiceError:
                return (greeting,)
    return (greeting,)
