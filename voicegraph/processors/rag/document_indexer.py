"""index_folder: text and Markdown files of a folder into a SQLite store (for `voicegraph index`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.rag.document_chunker import DocumentChunker
from voicegraph.processors.rag.sqlite_vector_store import SQLiteVectorStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.processors.rag.embedder import Embedder

SUFFIXES = (".txt", ".md", ".markdown", ".rst")


@dataclass(slots=True)
class IndexReport:
    """What one indexing run did."""

    files: list[str] = field(default_factory=list)
    passages: int = 0
    skipped: list[str] = field(default_factory=list)
    """Files that could not be read as UTF-8 text."""


async def index_folder(
    folder: str | Path,
    db: str | Path,
    *,
    embedder: Embedder | None = None,
    max_chars: int = 800,
    on_file: Callable[[int, int, str, int], None] | None = None,
) -> IndexReport:
    """Chunk every text/Markdown file under `folder` into `db` (re-indexed files are replaced).

    Sources are stored as paths relative to `folder`. With an `embedder` each passage
    also gets its vector; without one the store is searched with BM25. `on_file(done,
    total, source, passages)` is called after each file (progress; -1 passages: skipped).

    Raises:
        VoiceError: (invalid_config) `folder` is not a directory.
    """
    documents = await asyncio.to_thread(read_documents, Path(folder))
    chunker = DocumentChunker(max_chars=max_chars)
    store = SQLiteVectorStore(db, embedder_name=embedder.name if embedder is not None else "")
    report = IndexReport()
    try:
        for i, (source, text) in enumerate(documents, 1):
            if text is None:
                report.skipped.append(source)
                if on_file is not None:
                    on_file(i, len(documents), source, -1)
                continue
            passages = chunker.split(text, source)
            vectors = await embedder.embed([p.text for p in passages]) if embedder and passages else None
            store.remove_source(source)
            store.add(passages, vectors)
            report.files.append(source)
            report.passages += len(passages)
            if on_file is not None:
                on_file(i, len(documents), source, len(passages))
    finally:
        store.close()
    return report


def read_documents(root: Path) -> list[tuple[str, str | None]]:
    """(relative path, UTF-8 text or None when unreadable) of each indexable file, sorted.

    Raises:
        VoiceError: (invalid_config) `root` is not a directory.
    """
    if not root.is_dir():
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{root} is not a folder")
    out: list[tuple[str, str | None]] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        try:
            text: str | None = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            text = None
        out.append((path.relative_to(root).as_posix(), text))
    return out
