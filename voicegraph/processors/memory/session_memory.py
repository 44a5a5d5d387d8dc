"""SessionMemory: persists a conversation per session and keeps long calls within a budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.memory.in_memory_store import InMemoryStore
from voicegraph.processors.memory.message_size import message_size
from voicegraph.processors.memory.summarizer import ExtractiveSummarizer, Summarizer

if TYPE_CHECKING:
    from voicegraph.processors.context.conversation_context import ConversationContext
    from voicegraph.processors.memory.memory_store import MemoryStore


class SessionMemory:
    """The memory policy of a `ConversationContext`: store, budget and summary.

    `restore` loads the session's messages and summary from the store (a caller who
    calls back, or a session recovered after a restart, goes on where it was). `sync`
    appends the settled messages not yet stored, then, when the settled history is over
    `budget_chars`, compacts it: the oldest entries (never a reply still playing, never
    the newest `keep_entries`) are folded into the summary by the `summarizer` until
    `target_chars` is left; the summary rides in the system message. The aggregators call
    `sync` after the LLM request has gone out, so a slow summarizer adds no turn latency.

    Args:
        store: where messages live (default: a new `InMemoryStore`).
        budget_chars: history size that triggers a compaction.
        target_chars: history size a compaction leaves (default: half the budget).
        keep_entries: newest history entries never compacted.
        summarizer: default `ExtractiveSummarizer`; `LLMSummarizer` for a model's summary.

    Raises:
        VoiceError: (invalid_config) bad budgets.
    """

    def __init__(
        self,
        store: MemoryStore | None = None,
        *,
        budget_chars: int = 24_000,
        target_chars: int | None = None,
        keep_entries: int = 4,
        summarizer: Summarizer | None = None,
    ) -> None:
        target = budget_chars // 2 if target_chars is None else target_chars
        if budget_chars <= 0 or not 0 <= target <= budget_chars or keep_entries < 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "memory needs 0 <= target_chars <= budget_chars")
        self.store: MemoryStore = store or InMemoryStore()
        self.budget_chars = budget_chars
        self.target_chars = target
        self.keep_entries = keep_entries
        self.summarizer: Summarizer = summarizer or ExtractiveSummarizer()
        self.session_id: str | None = None
        self.compactions = 0
        """Compactions done (for tests and metrics)."""

    async def restore(self, context: ConversationContext, session_id: str) -> None:
        """Load the session into `context`; a session with nothing stored keeps the context as is."""
        self.session_id = session_id
        stored = await self.store.load(session_id)
        if stored.messages or stored.summary:
            context.load(stored.messages, stored.summary)

    async def sync(self, context: ConversationContext, *, compact: bool = True) -> None:
        """Store the settled messages; compact when over budget (if `compact`)."""
        unsaved = context.unsaved()
        if unsaved and self.session_id is not None:
            await self.store.append(self.session_id, unsaved)
        if compact:
            await self._compact(context)

    async def _compact(self, context: ConversationContext) -> None:
        settled = context.settled_count()
        sizes = [sum(message_size(m) for m in context.entry_messages(i, i + 1)) for i in range(len(context))]
        total = sum(sizes)
        if total <= self.budget_chars:
            return
        limit = max(0, min(settled, len(sizes) - self.keep_entries))
        drop = 0
        while drop < limit and total > self.target_chars:
            total -= sizes[drop]
            drop += 1
        if drop == 0:
            return
        dropped = context.entry_messages(0, drop)
        summary = await self.summarizer.summarize(context.summary, dropped)
        context.compact(drop, summary)
        self.compactions += 1
        if self.session_id is not None:
            await self.store.compact(self.session_id, len(dropped), summary)
