"""Backoff: the delays between reconnect attempts (exponential, capped, with jitter)."""

from __future__ import annotations

import random


class Backoff:
    """Exponential backoff: `initial_s`, then times `factor`, capped at `max_s`.

    I/O-free. Each delay is spread by +-`jitter` (a fraction), so many agents that lost
    the same server do not come back in lockstep. `attempts` > 0 limits the number of
    delays handed out; `next_delay` then returns None. `reset` starts over (after a
    successful connection).

    Args:
        initial_s: the first delay.
        max_s: the longest delay.
        factor: growth per attempt.
        jitter: relative spread of each delay, in [0, 1).
        attempts: how many delays to hand out (0: no limit).
        seed: seed of the jitter (None: random).
    """

    def __init__(
        self,
        initial_s: float = 0.5,
        max_s: float = 8.0,
        *,
        factor: float = 2.0,
        jitter: float = 0.1,
        attempts: int = 0,
        seed: int | None = None,
    ) -> None:
        if initial_s <= 0 or max_s < initial_s or factor < 1 or not 0 <= jitter < 1 or attempts < 0:
            raise ValueError("need 0 < initial_s <= max_s, factor >= 1, 0 <= jitter < 1, attempts >= 0")
        self.initial_s = initial_s
        self.max_s = max_s
        self.factor = factor
        self.jitter = jitter
        self.attempts = attempts
        self._rng = random.Random(seed)
        self.count = 0
        """Delays handed out since the last reset."""

    def next_delay(self) -> float | None:
        """The delay before the next attempt, or None when the attempts are used up."""
        if self.attempts and self.count >= self.attempts:
            return None
        base = min(self.max_s, self.initial_s * self.factor ** min(self.count, 64))  # no float overflow
        self.count += 1
        return base * (1 + self.jitter * (2 * self._rng.random() - 1))

    def reset(self) -> None:
        """Start over from `initial_s`."""
        self.count = 0
