"""Word timing for engines that report phoneme durations but not words (Piper).

The engine's words (groups of phonemes between spaces) do not always match the text's
words: "3.5" is spoken as three words, "Dr." may end a phonemizer sentence. When the
counts match, each text word gets its phoneme word's start; otherwise the text words of a
sentence are spread over its speech in proportion to their length in characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def share_words(words: Sequence[str], counts: Sequence[int]) -> list[list[str]]:
    """Split `words` into consecutive groups, one per sentence, sized like `counts`.

    Exact when `sum(counts) == len(words)`; otherwise in proportion to `counts`, every
    word given to some group.
    """
    if not counts:
        return []
    total = sum(counts)
    if total == len(words) or total <= 0:
        sizes = list(counts) if total == len(words) else [0] * (len(counts) - 1) + [len(words)]
    else:
        bounds = [round(len(words) * sum(counts[: i + 1]) / total) for i in range(len(counts))]
        sizes = [b - a for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
    groups: list[list[str]] = []
    pos = 0
    for size in sizes:
        groups.append(list(words[pos : pos + size]))
        pos += size
    if pos < len(words):
        groups[-1].extend(words[pos:])
    return groups


def word_starts(
    words: Sequence[str], phoneme_word_starts: Sequence[int], speech_start: int, speech_end: int
) -> list[tuple[str, int]]:
    """Start sample of each of `words` within one sentence's audio.

    Args:
        words: the text words of the sentence.
        phoneme_word_starts: start sample of each phoneme word (from the durations).
        speech_start: first sample of speech in the sentence audio.
        speech_end: last sample of speech.
    """
    if not words:
        return []
    if len(words) == len(phoneme_word_starts):
        return list(zip(words, phoneme_word_starts, strict=True))
    lengths = [len(w) + 1 for w in words]
    total = sum(lengths)
    span = max(0, speech_end - speech_start)
    out: list[tuple[str, int]] = []
    done = 0
    for word, n in zip(words, lengths, strict=True):
        out.append((word, speech_start + span * done // total))
        done += n
    return out


def _norm(word: str) -> str:
    return "".join(c for c in word.lower() if c.isalnum())


class TextWords:
    """Spells an engine's timed words as the text spells them, in the text's order.

    Engines name words their own way: eSpeak drops punctuation ("today" for "today,",
    "Smith" for "Smith's") and reports pieces of numbers again (".5" after "3.5"). Each
    engine word takes the next text word that starts with it (looking a few words ahead:
    the text words skipped take the same start); a piece that matches no text word ahead
    is dropped, as it belongs to a word already given. So the words shown to the user
    are the text's own, each once.

    Args:
        text: the text being spoken.
        lookahead: how many text words ahead an engine word may match.
    """

    def __init__(self, text: str, *, lookahead: int = 3) -> None:
        self._words = text.split()
        self._keys = [_norm(w) for w in self._words]
        self._next = 0
        self._lookahead = lookahead

    def spell(self, timed: Sequence[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
        """The text's words for one chunk's engine words (same start offsets)."""
        out: list[tuple[str, float]] = []
        for word, ms in timed:
            key = _norm(word)
            end = min(len(self._words), self._next + self._lookahead)
            hit = next((j for j in range(self._next, end) if key and self._keys[j].startswith(key)), None)
            if hit is None:
                continue
            out += [(w, ms) for w in self._words[self._next : hit + 1]]
            self._next = hit + 1
        return tuple(out)
