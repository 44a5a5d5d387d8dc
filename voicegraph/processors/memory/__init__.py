"""Conversation memory: per-session stores (in memory, SQLite), budget windows and summaries."""

from voicegraph.processors.memory.context_window import ContextWindow as ContextWindow
from voicegraph.processors.memory.in_memory_store import InMemoryStore as InMemoryStore
from voicegraph.processors.memory.llm_summarizer import LLMSummarizer as LLMSummarizer
from voicegraph.processors.memory.memory_store import MemoryStore as MemoryStore
from voicegraph.processors.memory.memory_store import StoredSession as StoredSession
from voicegraph.processors.memory.message_size import message_size as message_size
from voicegraph.processors.memory.session_memory import SessionMemory as SessionMemory
from voicegraph.processors.memory.sqlite_memory_store import SQLiteMemoryStore as SQLiteMemoryStore
from voicegraph.processors.memory.summarizer import ExtractiveSummarizer as ExtractiveSummarizer
from voicegraph.processors.memory.summarizer import Summarizer as Summarizer

__all__ = [
    "ContextWindow",
    "ExtractiveSummarizer",
    "InMemoryStore",
    "LLMSummarizer",
    "MemoryStore",
    "SQLiteMemoryStore",
    "SessionMemory",
    "StoredSession",
    "Summarizer",
    "message_size",
]
