"""FaultSchedule: which operation gets which fault, seeded, with counters of what was injected."""

from __future__ import annotations

import enum
import random
from collections import Counter
from dataclasses import dataclass, field

from voicegraph.framework.errors import ErrorCode, VoiceError


class Fault(enum.StrEnum):
    """The faults a proxy can inject. Which ones apply depends on the operation."""

    REFUSE = "refuse"
    """connect: close the client's socket at once, before any byte reaches the server."""
    DELAY = "delay"
    """any: hold the operation for `delay_s` (a latency spike), then carry on."""
    STALL = "stall"
    """any: hold the operation for `stall_s` (long enough to hit the peer's deadline)."""
    DROP = "drop"
    """chunk / message: lose it; on TCP the connection is cut (both sides reset)."""
    TRUNCATE = "truncate"
    """chunk: forward the first half, then cut; message: forward the first half of it."""
    REORDER = "reorder"
    """message: hold it back and send it after the next message in the same direction."""
    CLOSE = "close"
    """message: cut the connection abruptly (no close frame) instead of relaying it."""
    STATUS_500 = "500"
    """request: answer 500 with an OpenAI-style error body, without asking the server."""
    STATUS_503 = "503"
    """request: answer 503 (service unavailable)."""
    STATUS_429 = "429"
    """request: answer 429 with `Retry-After: 0`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultRule:
    """One rule of a schedule: on `operation`, inject `fault` at a rate or at given counts.

    Operations are named by the proxy: `connect`, `chunk` (TCP), `message` (WebSocket),
    `request` (HTTP). Counts in `at` are 1-based per operation (`at=(3,)`: the third
    request). A direction suffix narrows a rule: `message>` client to server, `message<`
    server to client (`chunk>` / `chunk<` likewise); plain `message` matches both.
    """

    operation: str
    """Which operation the rule applies to (see above)."""
    fault: Fault
    """What to inject."""
    rate: float = 0.0
    """Probability per operation, 0..1 (drawn from the schedule's seeded generator)."""
    at: tuple[int, ...] = ()
    """Explicit 1-based operation counts that get the fault, whatever the rate."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0 or any(n < 1 for n in self.at):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad fault rule: {self}")


@dataclass(slots=True)
class FaultSchedule:
    """Decides, operation by operation, whether to inject a fault; counts what it did.

    The same seed and the same sequence of operations give the same faults. Rules are
    tried in order; the first that fires wins (at most one fault per operation).

    Args:
        rules: the rules, tried in order.
        seed: seed of the random generator used for rates.
        delay_s: length of a `delay` fault (latency spike).
        stall_s: length of a `stall` fault.
    """

    rules: tuple[FaultRule, ...] = ()
    seed: int = 0
    delay_s: float = 0.3
    stall_s: float = 30.0
    seen: Counter[str] = field(default_factory=Counter)
    """Operations seen so far, by operation name (with direction suffix if any)."""
    injected: Counter[str] = field(default_factory=Counter)
    """Faults injected so far, keyed `operation:fault` (e.g. `request:500`)."""
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def uniform(
        cls,
        rate: float,
        faults: dict[str, tuple[Fault, ...]],
        *,
        seed: int = 0,
        delay_s: float = 0.3,
        stall_s: float = 30.0,
    ) -> FaultSchedule:
        """A schedule faulting each listed operation at `rate`, the fault picked evenly.

        Args:
            rate: probability per operation that some fault is injected.
            faults: for each operation, the faults to choose among.
            seed: the generator's seed.
            delay_s, stall_s: lengths of `delay` and `stall` faults.
        """
        rules = tuple(
            FaultRule(operation=op, fault=f, rate=rate / len(kinds))
            for op, kinds in faults.items()
            for f in kinds
        )
        return cls(rules=rules, seed=seed, delay_s=delay_s, stall_s=stall_s)

    def decide(self, operation: str, direction: str = "") -> Fault | None:
        """Count one `operation` (going `direction`: `>` or `<`) and return its fault, if any."""
        key = operation + direction
        self.seen[key] += 1
        if direction:
            self.seen[operation] += 1
        for rule in self.rules:
            if rule.operation not in (operation, key):
                continue
            n = self.seen[rule.operation]
            # One draw per rule and operation keeps the sequence reproducible for a seed.
            hit = n in rule.at or (rule.rate > 0 and self._rng.random() < rule.rate)
            if hit:
                self.injected[f"{operation}:{rule.fault}"] += 1
                return rule.fault
        return None

    def inject_next(self, operation: str, fault: Fault) -> None:
        """Add a rule: the next `operation` (e.g. `chunk<`) gets `fault`, counted from now."""
        rule = FaultRule(operation=operation, fault=fault, at=(self.seen[operation] + 1,))
        self.rules = (*self.rules, rule)

    def hold_s(self, fault: Fault | None) -> float:
        """Seconds a `delay` or `stall` fault holds its operation (0 for any other fault)."""
        return self.delay_s if fault is Fault.DELAY else self.stall_s if fault is Fault.STALL else 0.0

    @property
    def total_injected(self) -> int:
        """How many faults were injected, all kinds together."""
        return sum(self.injected.values())
