"""Processor: the base class of every node, with typed handlers and lifecycle hooks."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.base import Frame
from voicegraph.framework.latency import LatencySpec

if TYPE_CHECKING:
    from voicegraph.framework.clock import Clock
    from voicegraph.framework.context import StartContext
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.node import Node
    from voicegraph.framework.outbox import Outbox

F = TypeVar("F", bound=Callable[..., Awaitable[None]])
FrameT = TypeVar("FrameT", bound=Frame)
Handler = Callable[[Frame, "Outbox"], Awaitable[None]]

_HANDLES_ATTR = "__voicegraph_handles__"


@overload
def handles(fn: F, /) -> F: ...
@overload
def handles(*frame_types: type[Frame]) -> Callable[[F], F]: ...
def handles(*args: Any) -> Any:
    """Mark an `async def on_x(self, frame: SomeFrame, out: Outbox)` method as a handler.

    Bare `@handles` reads the frame type from the annotation of the frame parameter;
    `@handles(AFrame, BFrame)` names the types explicitly. A handler for a base class
    also receives its subclasses, unless a closer handler exists.
    """
    if len(args) == 1 and inspect.isfunction(args[0]):
        setattr(args[0], _HANDLES_ATTR, ())
        return args[0]

    def mark(fn: F) -> F:
        setattr(fn, _HANDLES_ATTR, tuple(args))
        return fn

    return mark


def _frame_type_of(cls: type, fn: Callable[..., Any]) -> type[Frame]:
    params = list(inspect.signature(fn).parameters.values())
    if len(params) != 3:
        raise TypeError(f"{cls.__name__}.{fn.__name__}: a handler takes (self, frame, out)")
    ann = params[1].annotation
    if isinstance(ann, str):  # postponed annotation: evaluate only this one
        module = inspect.getmodule(cls)
        ann = eval(ann, dict(vars(module)) if module else {}, dict(vars(cls)))
    frame_type = ann
    if not (inspect.isclass(frame_type) and issubclass(frame_type, Frame)):
        raise TypeError(f"{cls.__name__}.{fn.__name__}: annotate the frame parameter with a Frame type")
    return frame_type


class Processor:
    """A node of a graph. Subclass it, add `@handles` methods, and push with `out.send()`.

    Handles: frames matching its `@handles` methods; every other frame passes through
    unchanged in its direction. Emits: whatever its handlers send. Latency: `latency`.
    On flush (interruption) `on_flush` forgets in-flight state; on drain (end of stream)
    `on_drain` emits what is left before the end frame goes on.

    Class flags read by the runtime:
        concurrent: run in a task of its own behind a bounded edge (slow or blocking
            work: STT, LLM, TTS, transports). Otherwise the node is fused: called
            directly from its upstream neighbour, which is cheapest.
        interruptible: an interruption cancels its running handler, empties its lane
            and calls `on_flush`; stale data frames are dropped before it. Nodes on the
            user's input path (VAD, STT, turn detection) set this False.
        background_output: the node sends frames from background tasks (timers,
            readers) as well as from handlers; its downstream neighbours then get an
            edge, so no fused node is ever entered from two tasks at once.
        crosses_encoding: a codec node (it encodes or decodes audio itself: G.711,
            Opus); negotiation never puts a hidden encode or decode beside it.
    """

    concurrent: ClassVar[bool] = False
    interruptible: bool = True
    background_output: ClassVar[bool] = False
    crosses_encoding: ClassVar[bool] = False
    latency: LatencySpec = LatencySpec()
    """Declared added latency; a class default that an instance may override."""
    accepts: tuple[AudioFormat, ...] | None = None
    """Audio formats this node takes on its input; None means any."""

    _handler_names: ClassVar[dict[type[Frame], str]] = {}
    _pending_hints: ClassVar[list[str]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = dict(cls._handler_names)
        pending: list[str] = []
        for attr, fn in vars(cls).items():
            marked = getattr(fn, _HANDLES_ATTR, None)
            if marked is None:
                continue
            if marked:
                table.update(dict.fromkeys(marked, attr))
                continue
            try:
                table[_frame_type_of(cls, fn)] = attr
            except NameError:
                pending.append(attr)  # annotation not resolvable yet; retry on first use
        cls._handler_names = table
        cls._pending_hints = pending

    def __init__(self, *, name: str | None = None) -> None:
        self.name: str = name or type(self).__name__
        self._node: Node | None = None
        self._graph: str | None = None  # name of the graph holding it: one graph per instance
        self._dispatch: dict[type[Frame], Handler | None] = {}  # resolved per frame class
        self._added: dict[type[Frame], Handler] = {}  # add_handler: this instance only
        cls = type(self)
        if cls._pending_hints:
            for attr in cls._pending_hints:
                cls._handler_names = {**cls._handler_names, _frame_type_of(cls, getattr(cls, attr)): attr}
            cls._pending_hints = []

    # -- dispatch -------------------------------------------------------------------
    def handler_for(self, frame_type: type[Frame]) -> Handler | None:
        """The bound handler for `frame_type` (nearest base class wins), or None."""
        try:
            return self._dispatch[frame_type]
        except KeyError:
            pass
        names, added = self._handler_names, self._added
        handler: Handler | None = None
        for base in frame_type.__mro__:
            if base in added:  # at the same distance, a run-time handler wins
                handler = added[base]
                break
            if base in names:
                handler = getattr(self, names[base])
                break
        self._dispatch[frame_type] = handler
        return handler

    def add_handler(self, frame_type: type[Frame], fn: Handler) -> None:
        """Handle `frame_type` (and its subclasses, unless a closer handler exists) with
        `fn(frame, out)` on this instance, for types known only at run time (a
        transport's frames). Replaces a handler for exactly that type; may be called
        while the graph runs (it applies from the next frame).

        Raises:
            VoiceError: (invalid_config) `frame_type` is not a Frame class or `fn` is
                not callable.
        """
        if not (isinstance(frame_type, type) and issubclass(frame_type, Frame)) or not callable(fn):
            msg = f"add_handler({frame_type!r}, {fn!r}): needs a Frame class and an async callable"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=self.name)
        self._added[frame_type] = fn
        self._dispatch.clear()  # resolved entries may now resolve to the new handler

    # -- runtime accessors ----------------------------------------------------------
    @property
    def outbox(self) -> Outbox:
        """The outbox for work outside handlers (background loops, timers)."""
        return self._attached().system_out

    @property
    def clock(self) -> Clock:
        """The graph's clock."""
        return self._attached().runtime.clock

    @property
    def input_format(self) -> AudioFormat | None:
        """The audio format negotiated for this node's input (None if no audio)."""
        return self._attached().input_format

    def sticky_frame(self, frame_type: type[FrameT]) -> FrameT | None:
        """The last sticky frame of `frame_type` (e.g. `FormatFrame`) that reached this node."""
        frame = self._attached().sticky.get(frame_type)
        return frame if isinstance(frame, frame_type) else None

    def _attached(self) -> Node:
        if self._node is None:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, "processor is not running in a graph", node=self.name)
        return self._node

    # -- format negotiation ---------------------------------------------------------
    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """The audio format this node produces given its input format (default: same)."""
        return input_format

    def accepts_format(self, fmt: AudioFormat) -> bool:
        """Whether this node takes audio in `fmt` on its input."""
        return self.accepts is None or fmt in self.accepts

    # -- lifecycle hooks --------------------------------------------------------------
    async def on_start(self, ctx: StartContext) -> None:
        """Called once before any frame arrives (downstream nodes start first)."""

    async def on_flush(self) -> None:
        """Interruption: forget in-flight state. Emit nothing."""

    async def on_drain(self, out: Outbox) -> None:
        """End of stream: emit what is left. The runtime forwards the end frame after."""

    async def on_stop(self) -> None:
        """Release resources. Called once, after the node's task has ended."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
