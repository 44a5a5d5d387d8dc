"""TranscriptCompleteness: does a transcript read like a finished turn? (English heuristics)"""

from __future__ import annotations

import enum
import re

_TRAILING = frozenset(
    # conjunctions and subordinators
    "and or but nor because if that then when while although though since unless until "
    "whether where which who whose whom than as "
    # prepositions
    "to of in on at for with from about by into onto like through after before over "
    "under between without within during against toward towards upon "
    # articles, determiners, possessives
    "a an the my your his her their our its this these those some any every each no "
    # fillers and hesitations
    "um uh er erm hmm mm ah uhm "
    # subject pronouns, auxiliaries and modals waiting for a verb or object
    "i we they he she is are was were am be been being do does did have has had "
    "will would can could should shall may might must gonna wanna want need let's".split()
)
_COMPLETE_PHRASES = frozenset(
    {"thank you", "thanks", "no thanks", "no thank you", "yes please", "that's all", "that's it",
     "of course", "all right", "sounds good", "good bye", "see you"}
)  # fmt: skip
_SHORT_ANSWERS = frozenset(
    "yes no yeah yep nope okay ok sure thanks hello hi hey bye goodbye right correct "
    "exactly stop please great fine perfect absolutely definitely maybe".split()
)
_OPEN_ENDINGS = (",", "...", "\u2026", "-", "\u2014", ":", ";")
_WORD = re.compile(r"[a-z0-9']+")


class TranscriptCompleteness(enum.Enum):
    """How finished a transcript looks."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    UNKNOWN = "unknown"


def ends_open(text: str) -> bool:
    """Whether the words end with an open mark (comma, ellipsis, dash, colon, semicolon).

    Whisper writes "..." or "," where the speaker trailed off ("My number is five, five,
    five...", "I want to. Um..."): words that end so are not a finished turn.
    """
    return text.strip().endswith(_OPEN_ENDINGS)


def classify_transcript(text: str, *, few_words: int = 3) -> TranscriptCompleteness:
    """Classify the user's words so far.

    Incomplete: ends with a conjunction, preposition, article, filler, subject pronoun
    or auxiliary ("and", "the", "um", "I", "would"), with an open mark (comma, ellipsis,
    dash), or has fewer than `few_words` words and no terminal punctuation (unless it is
    a short answer such as "yes" or "thank you"). Complete: ends with . ? or !, or is
    such a short answer. Unknown otherwise (e.g. unpunctuated STT output of some length).
    """
    stripped = text.strip()
    words = _WORD.findall(stripped.lower())
    if not words:
        return TranscriptCompleteness.UNKNOWN
    if ends_open(stripped) or words[-1] in _TRAILING:
        return TranscriptCompleteness.INCOMPLETE
    if stripped[-1] in ".?!":
        return TranscriptCompleteness.COMPLETE
    if " ".join(words) in _COMPLETE_PHRASES or (len(words) <= 2 and words[-1] in _SHORT_ANSWERS):
        return TranscriptCompleteness.COMPLETE
    if len(words) < few_words:
        return TranscriptCompleteness.INCOMPLETE
    return TranscriptCompleteness.UNKNOWN
