"""FluxTurnText: which words of a Flux turn transcript are new to the graph."""

from __future__ import annotations

import string

_STRIP = string.punctuation + "\u201c\u201d\u2018\u2019"  # curly quotes too


def _norm(word: str) -> str:
    return word.strip(_STRIP).lower()


class FluxTurnText:
    """Flux sends the whole turn's transcript with each event; the graph's user aggregator
    joins final transcripts. This keeps what was already given as final in this turn,
    so each event gives only the words after it (compared without case or punctuation).

    When the service revises words already given (rare: Flux sends `TurnResumed` first
    and its next transcript usually extends the eager one), the whole transcript is
    given again and `revised` counts it: the aggregator then holds some words twice.
    """

    def __init__(self) -> None:
        self._given: list[str] = []
        self.revised = 0
        """Times a transcript did not extend the words already given."""

    def new_words(self, transcript: str) -> str:
        """The words of `transcript` not yet given; they count as given from now on."""
        words = transcript.split()
        given = [_norm(w) for w in self._given]
        if [_norm(w) for w in words[: len(given)]] == given:
            fresh = words[len(given) :]
        else:
            self.revised += 1
            fresh = words
        self._given = words  # the service's next transcripts extend this one
        return " ".join(fresh)

    def reset(self) -> None:
        """A new turn."""
        self._given = []
