"""Named conversation contexts shared by the aggregators of one running graph."""

from __future__ import annotations

from typing import Any

from voicegraph.processors.context.conversation_context import ConversationContext

_KEY = "conversation_contexts"


def shared_context(shared: dict[str, Any], name: str) -> ConversationContext:
    """The context called `name` in this running graph, made empty on first use.

    Graph specs cannot pass one Python object to two nodes, so aggregators built from a
    spec name their context instead (`context: main`); each session's graph gets its own.
    """
    contexts: dict[str, ConversationContext] = shared.setdefault(_KEY, {})
    if name not in contexts:
        contexts[name] = ConversationContext()
    return contexts[name]
