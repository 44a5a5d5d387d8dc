"""FluxTurnText: which words of a Flux turn transcript are new to the graph."""

from __future__ import annotations

import string

_STRIP = string.punctuation + "\u201c\u201d\u2018\u2019"  # curly quotes too


def _norm(word: str) -> str:
    return word.strip(_STRIP).lower()


class FluxTurnText:
    """Flux sends the whole turn's transcript with each event; the graph's user aggregator
    joins final transcripts. This keeps what was already given as final in this turn,
    so each event gives only the words after it.

    The given words are compared with the new transcript, case and punctuation aside.
    When the service revised a word already given ("for 2" then "for two at eight"), the
    whole transcript is given again marked `revises` (`TranscriptFrame.revises`): the
    aggregator replaces the turn's words with it, so the user message holds the revised
    version and no word is counted twice.
    """

    def __init__(self) -> None:
        self._given: list[str] = []
        self.revised = 0
        """Transcripts that changed words already given."""

    def final(self, transcript: str) -> tuple[str, bool]:
        """The text to give for `transcript` and whether it revises what was given.

        Only the words after those already given, or the whole transcript when given
        words changed; ("", False) when nothing is new. The transcript counts as given
        from now on.
        """
        words = transcript.split()
        given = [_norm(w) for w in self._given]
        if not words:
            return "", False
        self._given = words  # the service's next transcripts extend this one
        if [_norm(w) for w in words[: len(given)]] == given:
            return " ".join(words[len(given) :]), False
        self.revised += 1
        return " ".join(words), True

    def reset(self) -> None:
        """A new turn."""
        self._given = []
