"""Fixtures for the audio processor tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from voicegraph.framework.negotiation import set_converter_factory
from voicegraph.processors.audio import register_converter


@pytest.fixture
def soxr_negotiation() -> Iterator[None]:
    """Format negotiation inserts the soxr FormatConverter during the test, then the built-in again."""
    register_converter()
    try:
        yield
    finally:
        set_converter_factory(None)
