"""Passage: a piece of a document that retrieval can hand to the LLM."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Passage:
    """A chunk of a document, with where it came from and (when found) its search score."""

    text: str
    source: str = ""
    """The document it came from (a path relative to the indexed folder)."""
    id: int = 0
    """Position in its store (assigned when stored)."""
    score: float = 0.0
    """Relevance to the query (BM25 score or cosine similarity); higher is better."""
