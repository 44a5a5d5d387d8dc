"""SentenceSplitter: the I/O-free rule that cuts streamed text into speakable pieces."""

from __future__ import annotations

import re

_TITLES = frozenset(
    "mr mrs ms dr prof st mt sgt capt col gen lt rev hon fr vs e.g i.e cf approx dept fig".split()
)
"""Abbreviations that never end a sentence (they precede what they qualify)."""
_TRAILING = frozenset("etc inc ltd co corp jr sr a.m p.m u.s u.k ph.d".split())
"""Abbreviations that end a sentence only when the next word starts with a capital."""

_END = re.compile(r"[.!?\u2026]+[\"')\]\u201d\u2019]*(?=\s)")
_CLAUSE = re.compile(r"[,;:\u2014][\"')\]\u201d\u2019]*(?=\s)")
_WORD = re.compile(r"\S+")
_LEADING = frozenset(
    """a an the of to in on at for with from by about into over after before and or but so as
    than if that this these those is are was were be been am will would can could should may
    might must do does did have has had not very my your his her its our their i you he she
    it we they there which who what""".split()
)
"""Words that lead into what follows: a first piece cut after one of them ends mid-phrase
("The capital of"), and a TTS voice that sees one piece at a time may close it like a
sentence."""


class SentenceSplitter:
    """Accumulates text and returns each sentence once its end is certain.

    A sentence ends at `.`, `!`, `?` or `…` (with closing quotes or brackets) followed by
    whitespace, so "3.5" and "e.g." mid-word never split; abbreviations such as "Dr." and
    initials such as "J." do not end a sentence. The first piece after `reset()` may end
    early, at a clause mark (`,` `;` `:` `—`) once it has `first_clause_words` words, so
    speech can start sooner; with `first_max_words` it is cut after that many words even
    without punctuation (the first audio then waits for a few words, not a sentence),
    and with `first_stretch` it may grow by that many words so as not to end right after
    a word that leads into the next ("The capital of France" / "is Paris.", not "The
    capital of" / "France is Paris."). A piece with `max_words` words is cut at the last
    space.

    Args:
        first_clause_words: minimum words before an early clause cut (0 disables it).
        max_words: longest piece before a forced cut at a word boundary.
        first_max_words: longest first piece of a response (0: `max_words`).
        first_stretch: words a capped first piece may grow by to end its phrase.
    """

    def __init__(
        self,
        *,
        first_clause_words: int = 4,
        max_words: int = 50,
        first_max_words: int = 0,
        first_stretch: int = 0,
    ) -> None:
        self._clause_words = first_clause_words
        self._stretch = first_stretch
        self._max_words = max_words
        self._first_max = first_max_words
        self._pending = ""
        self._first = True

    @property
    def pending(self) -> str:
        """Text received but not yet returned."""
        return self._pending

    def reset(self) -> None:
        """Forget pending text; the next piece may end early at a clause again."""
        self._pending = ""
        self._first = True

    def push(self, text: str) -> list[str]:
        """Add streamed text; return the pieces (stripped) that are now complete."""
        self._pending += text
        pieces: list[str] = []
        while (cut := self._next_cut()) is not None:
            piece, self._pending = self._pending[:cut].strip(), self._pending[cut:].lstrip()
            if piece:
                pieces.append(piece)
                self._first = False
        return pieces

    def flush(self) -> str:
        """Return (stripped) whatever is pending and forget it; '' if nothing."""
        rest = self._pending.strip()
        self._pending = ""
        if rest:
            self._first = False
        return rest

    def _next_cut(self) -> int | None:
        text = self._pending
        cuts: list[int] = []
        for m in _END.finditer(text):
            if self._is_sentence_end(text, m.start(), m.end()):
                cuts.append(m.end())
                break
        if self._first and self._clause_words > 0:
            for m in _CLAUSE.finditer(text):
                if len(_WORD.findall(text[: m.start()])) >= self._clause_words:
                    cuts.append(m.end())
                    break
        words = list(_WORD.finditer(text))
        first_limit = self._first and 0 < self._first_max < self._max_words
        limit = self._first_max if first_limit else self._max_words
        if first_limit:
            limit = _phrase_end(words, limit, self._stretch)
        if len(words) > limit:
            cuts.append(words[limit].start())
        return min(cuts) if cuts else None

    @staticmethod
    def _is_sentence_end(text: str, start: int, end: int) -> bool:
        if text[start] != "." or (end - start > 1 and text[start + 1] == "."):
            return True  # ! ? … and ellipses always end a sentence
        word = text[:start].rsplit(None, 1)[-1] if text[:start].strip() else ""
        key = word.lower().lstrip("(\"'\u201c\u2018")
        if key in _TITLES or (len(key) == 1 and key.isalpha() and word.isupper() and key != "i"):
            return False  # "Dr. Smith", initials such as "J. K."
        if key in _TRAILING or key.rstrip(".") in _TRAILING:
            nxt = text[end:].lstrip()
            return bool(nxt) and nxt[0].isupper()
        return True


def _phrase_end(words: list[re.Match[str]], limit: int, stretch: int) -> int:
    """The word count to cut a first piece at: `limit`, or a little more so that the
    piece does not end on a word that leads on (a count past the words seen so far
    means: wait for more text)."""
    for count in range(limit, limit + stretch + 1):
        if count > len(words):
            return count  # that word has not arrived yet
        if words[count - 1].group().strip("\"'()[],;:.!?\u201c\u201d\u2018\u2019").lower() not in _LEADING:
            return count
    return limit + stretch
