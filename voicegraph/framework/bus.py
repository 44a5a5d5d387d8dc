"""Bus: errors, metrics and events beside the frames, for the application and observers."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.errors import VoiceError

log = logging.getLogger("voicegraph.bus")

E = TypeVar("E", bound="BusEvent")


@dataclass(frozen=True, slots=True, kw_only=True)
class BusEvent:
    """Base of everything published on a bus."""

    graph: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEvent(BusEvent):
    """A node failed; `error.code` says how, `node` says where."""

    error: VoiceError
    node: str = ""
    fatal: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsEvent(BusEvent):
    """Measurements from a node or the runtime."""

    node: str = ""
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class InterruptEvent(BusEvent):
    """An interruption was broadcast: new epoch, reason, and how long the flush took."""

    epoch: int = 0
    reason: str = ""
    flush_ns: int = 0
    flushed_frames: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomEvent(BusEvent):
    """An application or node event with a name and a payload."""

    name: str
    payload: dict[str, Any] = field(default_factory=dict)


class Bus:
    """Synchronous publish/subscribe. Subscribers must be quick; errors in them are logged.

    The last `keep` errors are kept in `errors` for inspection.
    """

    def __init__(self, name: str = "", keep: int = 64) -> None:
        self.name = name
        self._subs: list[tuple[tuple[type[BusEvent], ...], Callable[[Any], None]]] = []
        self.errors: deque[ErrorEvent] = deque(maxlen=keep)

    def subscribe(self, fn: Callable[[E], None], *kinds: type[E]) -> Callable[[], None]:
        """Call `fn` for each event of `kinds` (all when none); returns an unsubscribe."""
        entry = (kinds or (BusEvent,), fn)
        self._subs.append(entry)

        def unsubscribe() -> None:
            if entry in self._subs:
                self._subs.remove(entry)

        return unsubscribe

    def publish(self, event: BusEvent) -> None:
        """Deliver `event` to matching subscribers, in subscription order."""
        if isinstance(event, ErrorEvent):
            self.errors.append(event)
        for kinds, fn in tuple(self._subs):
            if isinstance(event, kinds):
                try:
                    fn(event)
                except Exception:
                    log.exception("bus subscriber failed on %s", type(event).__name__)
