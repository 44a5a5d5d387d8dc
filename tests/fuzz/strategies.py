"""Shared Hypothesis strategies and checks for the bad-input fuzz suite (issue 18, "Bad input")."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from voicegraph.framework.errors import ErrorCode, VoiceError

T = TypeVar("T")

FUZZ = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
"""Bounded and derandomized, so CI sees the same examples every run."""

INPUT_CODES = frozenset({ErrorCode.PROTOCOL_ERROR, ErrorCode.INVALID_INPUT, ErrorCode.NOT_NEGOTIATED})
"""The codes a bad message from outside may carry."""

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=16)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=16,
)
deep_json = st.builds(
    lambda n, pair: pair[0] * n + pair[1] + pair[2] * n,
    st.integers(min_value=900, max_value=30_000),
    st.sampled_from([("[", "", "]"), ('{"a":', "1", "}")]),
)
"""JSON nested deep enough to exhaust the parser's recursion (RecursionError in CPython)."""

messages: st.SearchStrategy[str | bytes] = (
    st.binary(max_size=1024) | st.text(max_size=256) | json_values.map(json.dumps) | deep_json
)
"""Anything a WebSocket peer can send: bytes, text, JSON of any shape, deep JSON."""


def mutated(doc: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`doc` with some of its top-level fields replaced by random JSON values or removed."""
    keys = sorted(doc)
    return st.builds(
        lambda repl, drop: {k: v for k, v in {**doc, **repl}.items() if k not in drop},
        st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), json_values, max_size=3),
        st.sets(st.sampled_from(keys), max_size=2),
    )


def coded(call: Callable[[], T], codes: frozenset[ErrorCode] = INPUT_CODES) -> T | VoiceError:
    """Run `call`; a VoiceError must carry one of `codes`, and no other exception may escape."""
    try:
        return call()
    except VoiceError as err:
        assert err.code in codes, f"unexpected code {err.code}: {err}"
        return err
