"""FluxTurnText: which words of a Flux turn transcript are new to the graph."""

from __future__ import annotations

import string
from difflib import SequenceMatcher

_STRIP = string.punctuation + "\u201c\u201d\u2018\u2019"  # curly quotes too


def _norm(word: str) -> str:
    return word.strip(_STRIP).lower()


class FluxTurnText:
    """Flux sends the whole turn's transcript with each event; the graph's user aggregator
    joins final transcripts. This keeps what was already given as final in this turn,
    so each event gives only the words after it.

    The given words are aligned with the new transcript (case and punctuation aside,
    `difflib` matching): what follows the last aligned word is new. So when the service
    revises a word already given ("for 2" then "for two at eight"), the revision is not
    given again (`revised` counts it) and no word reaches the aggregator twice; the user
    message keeps the first version of the revised words.
    """

    def __init__(self) -> None:
        self._given: list[str] = []
        self.revised = 0
        """Transcripts that changed words already given."""

    def new_words(self, transcript: str) -> str:
        """The words of `transcript` not yet given; they count as given from now on."""
        words = transcript.split()
        given = [_norm(w) for w in self._given]
        new = [_norm(w) for w in words]
        if new[: len(given)] == given:
            start = len(given)
        else:
            self.revised += 1
            blocks = [
                b for b in SequenceMatcher(None, given, new, autojunk=False).get_matching_blocks() if b.size
            ]
            last = blocks[-1] if blocks else None
            # given words after the last match stand for as many revised words
            start = len(given) if last is None else last.b + last.size + (len(given) - last.a - last.size)
        self._given = words  # the service's next transcripts extend this one
        return " ".join(words[start:])

    def reset(self) -> None:
        """A new turn."""
        self._given = []
