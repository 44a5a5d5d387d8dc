"""GraphWorkflow: a workflow that is another graph, run once per event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.processors.agent.workflow_event import WorkflowEvent, WorkflowEventFrame

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph


class GraphWorkflow:
    """Runs a fresh graph per event: pushes a `WorkflowEventFrame` (or `frames(event)`), drains.

    The graph's runtime gets the event in its metadata (`event`, `session_id`), so its
    nodes can read it in `on_start`. Frames leaving the graph's sinks are returned to
    the trigger, which sends them into the call (e.g. a spoken follow-up).

    Args:
        factory: builds the graph (a new one per run: graphs hold per-run state).
        frames: the frames to push for an event (default: one `WorkflowEventFrame`).
        keep: frame types to return into the call (default: none).
        timeout_s: deadline for the whole run.
    """

    def __init__(
        self,
        factory: Callable[[], Graph],
        *,
        frames: Callable[[WorkflowEvent], Sequence[Frame]] | None = None,
        keep: tuple[type[Frame], ...] = (),
        timeout_s: float = 30.0,
    ) -> None:
        self.factory = factory
        self.frames = frames or (lambda e: [WorkflowEventFrame(event=e)])
        self.keep = keep
        self.timeout_s = timeout_s
        self.runs = 0

    async def __call__(self, event: WorkflowEvent) -> list[Frame]:
        from voicegraph.framework.runtime import Runtime

        self.runs += 1
        metadata = {"event": event, "session_id": f"{event.session_id}:{event.kind}:{event.seq}"}
        out: list[Frame] = []
        async with Runtime(self.factory(), metadata=metadata, end_timeout=self.timeout_s) as rt:
            rt.on_output(lambda f, _: out.append(f) if self.keep and isinstance(f, self.keep) else None)
            for frame in self.frames(event):
                await rt.push(frame)
        return out
