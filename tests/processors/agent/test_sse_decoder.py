"""SSEDecoder: WHATWG event-stream rules, independent of how bytes are chunked."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from voicegraph.processors.agent.sse_decoder import SSEDecoder, SSEEvent

STREAM = (
    ": keep-alive comment\n"
    'data: {"a": "é"}\n\n'
    "event: error\r\ndata: first\r\ndata:second\r\n\r\n"
    "id: 7\rretry: 1500\rdata: [DONE]\r\r"
).encode()

EXPECTED = [
    SSEEvent(data='{"a": "é"}'),
    SSEEvent(data="first\nsecond", event="error"),
    SSEEvent(data="[DONE]", id="7", retry_ms=1500),
]


def _decode(chunks: list[bytes]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.close()


def test_events_follow_the_whatwg_field_rules() -> None:
    assert _decode([STREAM]) == EXPECTED


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(STREAM)]
    assert _decode([STREAM[a:b] for a, b in itertools.pairwise(bounds)]) == EXPECTED


def test_an_event_without_its_blank_line_is_dropped_at_close() -> None:
    assert _decode([b"data: one\n\ndata: cut"]) == [SSEEvent(data="one")]


def test_blank_lines_without_data_dispatch_nothing() -> None:
    assert _decode([b"\n\nevent: ping\n\n: hi\n\n"]) == []


def test_a_leading_byte_order_mark_is_ignored() -> None:
    assert _decode([b"\xef\xbb\xbfdata: x\n\n"]) == [SSEEvent(data="x")]
