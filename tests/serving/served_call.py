"""One call to a served process, kept with the server's output for failure messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class Summarized(Protocol):
    def summary(self) -> str: ...


R = TypeVar("R", bound=Summarized)


@dataclass(repr=False)
class ServedCall(Generic[R]):
    """What the caller saw (`record`) and what the server said (`server`: events, stderr tail)."""

    record: R
    server: str

    def __repr__(self) -> str:
        return "ServedCall(...)"

    def __str__(self) -> str:
        return f"caller: {self.record.summary()}\n{self.server}"


READY_S = 90.0
"""How long a cold server may take to say `ready` (engines preloaded, 2 busy cores)."""
REPLY_BOUND_S = 20.0
"""How long after the question a caller waits for the bot's voice."""
