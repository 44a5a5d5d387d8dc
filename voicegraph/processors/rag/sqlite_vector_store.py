"""SQLiteVectorStore: passages and their vectors in one SQLite file (what `voicegraph index` writes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.rag.passage import Passage
from voicegraph.processors.rag.vector_store import VectorStore

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

_SCHEMA = """
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_source ON passages (source);
CREATE TABLE IF NOT EXISTS vectors (
    passage_id INTEGER NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
    embedder TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (passage_id, embedder)
);
"""


class SQLiteVectorStore(VectorStore):
    """A persistent store: passage text by source, and float32 vectors per embedder name.

    One file can hold vectors of several embedders; this object reads and writes those of
    `embedder_name` ("" for a keyword-only store: passages without vectors, searched with
    BM25). With an embedder set, `passages()` lists the passages that have its vectors.
    Reads are cached in memory until the next write. Plain synchronous SQLite: index
    offline, or load it off the event loop (the `Retriever` does).

    Args:
        path: the database file (created with its folder when missing).
        embedder_name: whose vectors to use.

    Raises:
        VoiceError: (invalid_config) the file is not a database this store can open.
    """

    def __init__(self, path: str | Path, *, embedder_name: str = "") -> None:
        self.path = str(path)
        self.embedder_name = embedder_name
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, f"cannot open vector store {self.path}: {exc}"
            ) from exc
        self._cache: tuple[list[Passage], NDArray[np.float32]] | None = None

    def add(self, passages: Sequence[Passage], vectors: NDArray[np.float32] | None = None) -> None:
        if self.embedder_name and vectors is None:
            raise VoiceError(ErrorCode.INVALID_INPUT, f"store for {self.embedder_name} needs vectors")
        if vectors is not None and len(vectors) != len(passages):
            raise VoiceError(ErrorCode.INVALID_INPUT, f"{len(vectors)} vectors for {len(passages)} passages")
        with self._db:
            for i, p in enumerate(passages):
                cur = self._db.execute(
                    "INSERT INTO passages (source, text) VALUES (?, ?)", (p.source, p.text)
                )
                if vectors is not None:
                    blob = np.asarray(vectors[i], dtype="<f4").tobytes()
                    self._db.execute(
                        "INSERT INTO vectors (passage_id, embedder, vector) VALUES (?, ?, ?)",
                        (cur.lastrowid, self.embedder_name, blob),
                    )
        self._cache = None

    def remove_source(self, source: str) -> int:
        """Delete every passage of `source` (re-indexing a changed file); returns how many."""
        with self._db:
            cur = self._db.execute("DELETE FROM passages WHERE source = ?", (source,))
        self._cache = None
        return cur.rowcount

    def sources(self) -> list[str]:
        """The documents stored."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT source FROM passages ORDER BY source")]

    def embedders(self) -> list[str]:
        """Names of the embedders whose vectors the file holds."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT embedder FROM vectors ORDER BY embedder")]

    def _load(self) -> tuple[list[Passage], NDArray[np.float32]]:
        if self._cache is None:
            if self.embedder_name:
                rows = self._db.execute(
                    "SELECT p.id, p.source, p.text, v.vector FROM passages p JOIN vectors v "
                    "ON v.passage_id = p.id AND v.embedder = ? ORDER BY p.id",
                    (self.embedder_name,),
                ).fetchall()
                passages = [Passage(text=t, source=s, id=i) for i, s, t, _ in rows]
                vecs = [np.frombuffer(v, dtype="<f4") for *_, v in rows]
                matrix = np.stack(vecs) if vecs else np.zeros((0, 0), dtype=np.float32)
            else:
                rows = self._db.execute("SELECT id, source, text FROM passages ORDER BY id").fetchall()
                passages = [Passage(text=t, source=s, id=i) for i, s, t in rows]
                matrix = np.zeros((len(passages), 0), dtype=np.float32)
            self._cache = (passages, matrix.astype(np.float32, copy=False))
        return self._cache

    def passages(self) -> list[Passage]:
        return list(self._load()[0])

    def matrix(self) -> NDArray[np.float32]:
        return self._load()[1]

    def close(self) -> None:
        """Close the database file."""
        self._db.close()
