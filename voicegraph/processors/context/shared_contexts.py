"""Named conversation contexts shared by the aggregators of one running graph."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from voicegraph.processors.context.conversation_context import ConversationContext

if TYPE_CHECKING:
    from voicegraph.framework.runtime import Runtime

_BY_RUNTIME: weakref.WeakKeyDictionary[Runtime, dict[str, ConversationContext]] = weakref.WeakKeyDictionary()


def shared_context(runtime: Runtime, name: str) -> ConversationContext:
    """The context called `name` in this running graph, made empty on first use.

    Graph specs cannot pass one Python object to two nodes, so aggregators built from a
    spec name their context instead (`context: main`); each session's graph gets its own.
    """
    contexts = _BY_RUNTIME.setdefault(runtime, {})
    if name not in contexts:
        contexts[name] = ConversationContext()
    return contexts[name]
