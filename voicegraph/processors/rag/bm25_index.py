"""BM25Index: keyword search over passages with numpy (the dependency-free default)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.processors.rag.passage import Passage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be but by do does for from has have how i if in is it its me my of on or our "
    "so that the their them then there these they this to was we were what when where which who why "
    "will with you your".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words; a trailing plural `s` is dropped."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


class BM25Index:
    """Okapi BM25 over a fixed set of passages: postings per term as numpy arrays.

    Scoring a query touches only the postings of its terms, so a search over thousands of
    passages takes well under a millisecond. Synchronous and I/O-free; `search` is async
    only to share the `SearchIndex` interface with vector search.

    Args:
        passages: the passages to search.
        k1, b: the BM25 term-frequency saturation and length normalization.
    """

    name = "bm25"

    def __init__(self, passages: Sequence[Passage], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = list(passages)
        self.k1, self.b = k1, b
        lengths = np.zeros(len(self.passages), dtype=np.float32)
        postings: dict[str, dict[int, int]] = {}
        for i, passage in enumerate(self.passages):
            tokens = tokenize(passage.text)
            lengths[i] = len(tokens)
            for token in tokens:
                doc = postings.setdefault(token, {})
                doc[i] = doc.get(i, 0) + 1
        self._avg = float(lengths.mean()) if len(lengths) else 0.0
        self._norm = k1 * (1 - b + b * lengths / max(self._avg, 1e-9))
        n = len(self.passages)
        self._postings: dict[str, tuple[NDArray[np.int64], NDArray[np.float32], float]] = {}
        for term, docs in postings.items():
            ids = np.fromiter(docs.keys(), dtype=np.int64, count=len(docs))
            tf = np.fromiter(docs.values(), dtype=np.float32, count=len(docs))
            idf = float(np.log1p((n - len(docs) + 0.5) / (len(docs) + 0.5)))
            self._postings[term] = (ids, tf, idf)

    def scores(self, query: str) -> NDArray[np.float32]:
        """The BM25 score of every passage for `query`."""
        scores = np.zeros(len(self.passages), dtype=np.float32)
        for term in set(tokenize(query)):
            entry = self._postings.get(term)
            if entry is None:
                continue
            ids, tf, idf = entry
            scores[ids] += idf * tf * (self.k1 + 1) / (tf + self._norm[ids])
        return scores

    def top(self, query: str, k: int) -> list[Passage]:
        """The `k` best passages with a positive score, best first."""
        scores = self.scores(query)
        return top_passages(self.passages, scores, k, minimum=1e-9)

    async def search(self, query: str, k: int) -> list[Passage]:
        """`top`, as the async `SearchIndex` interface."""
        return self.top(query, k)


def top_passages(
    passages: Sequence[Passage], scores: NDArray[np.float32], k: int, *, minimum: float = -np.inf
) -> list[Passage]:
    """The `k` highest-scoring passages at or above `minimum`, best first, scores filled in."""
    if k <= 0 or not len(passages):
        return []
    k = min(k, len(passages))
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    out = []
    for i in best:
        if scores[i] < minimum:
            break
        p = passages[int(i)]
        out.append(Passage(text=p.text, source=p.source, id=p.id, score=float(scores[i])))
    return out
