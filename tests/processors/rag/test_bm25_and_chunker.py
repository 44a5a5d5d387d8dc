"""DocumentChunker and BM25Index: passages of bounded size, keyword ranking with numpy."""

from __future__ import annotations

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.rag import BM25Index, DocumentChunker, Passage

DOC = """# Opening hours

The Lindenhof clinic is open from 7:30 to 16:00 on weekdays.

On Saturdays only the emergency desk is open.

# Parking

Visitors park in the garage on Mill Street. The first hour is free.
"""


def test_each_heading_starts_a_passage_that_carries_the_heading() -> None:
    passages = DocumentChunker(max_chars=200).split(DOC, "clinic.md")
    assert [p.text.splitlines()[0] for p in passages] == ["Opening hours", "Parking"]
    assert "7:30" in passages[0].text and "Saturdays" in passages[0].text
    assert {p.source for p in passages} == {"clinic.md"}


def test_no_passage_outgrows_the_limit_even_from_one_long_paragraph() -> None:
    long_para = " ".join(f"Sentence number {i} talks about something." for i in range(200))
    passages = DocumentChunker(max_chars=300).split(long_para)
    assert len(passages) > 10 and all(len(p.text) <= 300 for p in passages)
    assert " ".join(p.text for p in passages).split() == long_para.split()


def test_a_tiny_limit_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        DocumentChunker(max_chars=10)
    assert info.value.code is ErrorCode.INVALID_CONFIG


def _corpus() -> list[Passage]:
    return [
        Passage("Visitors park in the garage on Mill Street.", "parking.md"),
        Passage("The clinic is open from 7:30 to 16:00 on weekdays.", "hours.md"),
        Passage("Bring your insurance card to every appointment.", "insurance.md"),
        Passage("Appointments can be moved by phone up to a day before.", "appointments.md"),
    ]


def test_the_passage_sharing_the_rare_words_ranks_first() -> None:
    top = BM25Index(_corpus()).top("when is the clinic open on weekdays?", 2)
    assert top[0].source == "hours.md" and top[0].score > 0
    assert len(top) == 1  # the others share no word with the query


def test_plural_and_case_differences_still_match() -> None:
    assert BM25Index(_corpus()).top("APPOINTMENT", 1)[0].source in {"appointments.md", "insurance.md"}


def test_a_query_of_stop_words_or_unknown_words_finds_nothing() -> None:
    index = BM25Index(_corpus())
    assert index.top("what is the", 3) == [] and index.top("xylophone", 3) == []


def test_an_empty_index_finds_nothing() -> None:
    assert BM25Index([]).top("clinic", 3) == []
