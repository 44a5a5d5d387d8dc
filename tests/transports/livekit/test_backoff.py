"""Backoff: exponential, capped, jittered, limited."""

from __future__ import annotations

import pytest

from voicegraph.transports.livekit import Backoff


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(0.5, 4.0, jitter=0.0)
    assert [backoff.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_stays_within_its_fraction() -> None:
    backoff = Backoff(1.0, 1.0, jitter=0.2, seed=7)
    delays = [backoff.next_delay() for _ in range(200)]
    assert all(d is not None and 0.8 <= d <= 1.2 for d in delays)
    assert len({round(d or 0, 6) for d in delays}) > 100


def test_attempts_run_out_and_reset_starts_over() -> None:
    backoff = Backoff(0.1, 1.0, jitter=0.0, attempts=2)
    assert [backoff.next_delay(), backoff.next_delay(), backoff.next_delay()] == [0.1, 0.2, None]
    backoff.reset()
    assert backoff.next_delay() == 0.1


def test_thousands_of_attempts_do_not_overflow() -> None:
    backoff = Backoff(0.5, 8.0, jitter=0.0)
    for _ in range(5000):
        delay = backoff.next_delay()
    assert delay == 8.0


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(2.0, 1.0)
