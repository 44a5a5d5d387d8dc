"""SessionGuard: the node after a session's input that checks each client operation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from voicegraph.framework.errors import VoiceError
from voicegraph.framework.frames.system import ErrorFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.framework.processor import Processor

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph
    from voicegraph.framework.outbox import Outbox

OperationCheck = Callable[[str, "Frame"], Awaitable[None]]
"""`check(operation, frame)`: returns to allow, raises a coded VoiceError to refuse."""


class SessionGuard(Processor):
    """Checks client operations (typed text, DTMF...) against the session's hooks.

    Handles the frame types in `operations` (default: final `TranscriptFrame` as
    `message.text`; the backend adds `DTMFFrame` as `message.dtmf`). An allowed frame
    goes on unchanged; a refused one is dropped and an `ErrorFrame` with the refusal's
    code (rate_limit_exceeded, authorization_failed) goes downstream to the client
    instead. Audio and every other frame pass through untouched. Latency: none (a
    token-bucket lookup plus the auth hook's `authorize`). Not interruptible (it is on
    the user's input path). Flush and drain: nothing held.

    Args:
        check: the session manager's operation check.
        operations: frame type -> operation name, added to the default.
    """

    interruptible = False

    def __init__(
        self,
        check: OperationCheck,
        *,
        operations: Mapping[type[Frame], str] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._check = check
        self._ops: dict[type[Frame], str] = {TranscriptFrame: "message.text", **(operations or {})}
        for kind in self._ops:  # types known only at run time (a transport's DTMF frame)
            self.add_handler(kind, self._guard)

    def _operation(self, kind: type[Frame]) -> str:
        return next(self._ops[base] for base in kind.__mro__ if base in self._ops)

    async def _guard(self, frame: Frame, out: Outbox) -> None:
        if isinstance(frame, TranscriptFrame) and not frame.final:
            await out.send(frame)
            return
        try:
            await self._check(self._operation(type(frame)), frame)
        except VoiceError as err:
            await out.send(ErrorFrame(error=err))
            return
        await out.send(frame)


def insert_guards(graph: Graph, check: OperationCheck, operations: Mapping[type[Frame], str]) -> None:
    """Put a `SessionGuard` on every link out of the graph's head(s), the client's input."""
    for head in graph.heads():
        for dst in graph.downstream(head):
            graph.insert_before(head, dst, SessionGuard(check, operations=operations), "session_guard")
