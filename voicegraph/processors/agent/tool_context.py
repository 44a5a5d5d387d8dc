"""ToolContext: what a running tool may know about the call and do to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames.call import EndCallFrame, TransferCallFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame
    from voicegraph.processors.agent.chat_events import ToolCall


@dataclass(slots=True)
class ToolContext:
    """Handed to a tool that declares a parameter annotated `ToolContext` (not in its schema).

    `end_call` and `transfer_call` do not act at once: the agent node emits an
    `EndCallFrame`/`TransferCallFrame` after the reply of this turn, so the model can
    still say goodbye and the transport acts once that has played.
    """

    call: ToolCall
    """The tool call being run (id, name, raw arguments)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """The session's metadata (`session_id`, `variables`...)."""
    actions: list[Frame] = field(default_factory=list)
    """Call-control frames requested by the tool."""

    @property
    def session_id(self) -> str:
        """The session's id ("" when the graph has none)."""
        return str(self.metadata.get("session_id", ""))

    def end_call(self, reason: str = "") -> None:
        """Hang up after this turn's reply has played."""
        self.actions.append(EndCallFrame(reason=reason))

    def transfer_call(self, target: str, reason: str = "") -> None:
        """Transfer the call to `target` after this turn's reply has played."""
        self.actions.append(TransferCallFrame(target=target, reason=reason))
