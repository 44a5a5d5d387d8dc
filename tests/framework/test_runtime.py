from __future__ import annotations

import asyncio

import pytest

from voicegraph.framework import (
    EdgeConfig,
    ErrorCode,
    ErrorEvent,
    ErrorPolicy,
    Graph,
    Outbox,
    Parallel,
    Processor,
    Runtime,
    StartContext,
    VoiceError,
    handles,
)
from voicegraph.framework.frames import (
    EndFrame,
    InterruptRequestFrame,
    MetricsFrame,
    TextFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.framework.frames.system import QoSFrame

from .nodes import Failing, Gate, QueuedRecorder, Recorder, ends, texts

pytestmark = pytest.mark.anyio


async def test_chain_delivers_in_order_and_ends_once_last() -> None:
    graph = Graph.chain(Recorder(), QueuedRecorder(), Recorder())
    async with Runtime(graph) as rt:
        out = rt.collect()
        for i in range(20):
            await rt.push(TextFrame(text=str(i)))
    assert texts(out) == [str(i) for i in range(20)]
    assert ends(out) == 1 and isinstance(out[-1], EndFrame)


async def test_unhandled_frames_pass_through_unchanged() -> None:
    class OnlyMetrics(Processor):
        @handles
        async def on_metrics(self, frame: MetricsFrame, out: Outbox) -> None:
            await out.send(frame)

    graph = Graph.chain(OnlyMetrics())
    async with Runtime(graph) as rt:
        out = rt.collect()
        frame = TextFrame(text="through")
        await rt.push(frame)
    assert out[0] is frame


async def test_style_guide_example_runs_as_written() -> None:
    class SentenceAggregator(Processor):
        def __init__(self, *, terminators: str = ".?!") -> None:
            super().__init__()
            self._terminators = tuple(terminators)
            self._pending = ""

        @handles
        async def on_text(self, frame: TextFrame, out: Outbox) -> None:
            self._pending += frame.text
            if self._pending.rstrip().endswith(self._terminators):
                await out.send(TextFrame(text=self._pending.strip()))
                self._pending = ""

        async def on_flush(self) -> None:
            self._pending = ""

        async def on_drain(self, out: Outbox) -> None:
            if self._pending.strip():
                await out.send(TextFrame(text=self._pending.strip()))

    async with Runtime(Graph.chain(SentenceAggregator())) as rt:
        out = rt.collect()
        for piece in ["Hi ", "there. ", "How ", "are you"]:
            await rt.push(TextFrame(text=piece))
    assert texts(out) == ["Hi there.", "How are you"]


async def test_explicit_handles_decorator_names_types() -> None:
    class Counter(Processor):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        @handles(TextFrame, MetricsFrame)
        async def on_any(self, frame: object, out: Outbox) -> None:
            self.count += 1

    node = Counter()
    async with Runtime(Graph.chain(node)) as rt:
        await rt.push(TextFrame(text="a"))
        await rt.push(MetricsFrame(values={"x": 1.0}))
    assert node.count == 2


async def test_system_frames_overtake_queued_data() -> None:
    gate, sink = Gate(), Recorder()
    graph = Graph.chain(gate, sink)
    graph.edges[gate.name] = EdgeConfig(capacity=16)
    async with Runtime(graph) as rt:
        for i in range(5):
            await rt.push(TextFrame(text=str(i)))
        await gate.entered.wait()
        await rt.push(UserStartedSpeakingFrame())
        assert isinstance(sink.seen[0], UserStartedSpeakingFrame)
        assert len(rt.nodes[gate.name].edge or []) == 4
        gate.open.set()
    assert texts(sink.seen) == ["0", "1", "2", "3", "4"]


async def test_interruption_cancels_the_running_handler_and_flushes_lanes() -> None:
    gate, sink = Gate(), Recorder()
    graph = Graph.chain(gate, sink)
    graph.edges[gate.name] = EdgeConfig(capacity=16)
    async with Runtime(graph) as rt:
        out = rt.collect()
        for i in range(10):
            await rt.push(TextFrame(text=f"old{i}"))
        await gate.entered.wait()
        assert await rt.interrupt("barge-in")
        await asyncio.sleep(0)
        assert gate.cancelled == 1
        assert rt.stats()[f"in:{gate.name}"]["flushed"] == 9
        gate.open.set()
        await rt.push(TextFrame(text="new"))
    assert texts(out) == ["new"]
    assert len(sink.interrupts) == 1 and sink.flushes == 1
    assert rt.epoch == 1


async def test_interrupt_request_travels_upstream_and_is_served_once() -> None:
    class Barger(Processor):
        @handles
        async def on_text(self, frame: TextFrame, out: Outbox) -> None:
            if frame.text == "stop":
                await out.request_interrupt("user spoke")
                await out.request_interrupt("twice in a row")
            await out.send(frame)

    head, sink = Recorder(), Recorder()
    graph = Graph.chain(head, Barger(), sink)
    async with Runtime(graph) as rt:
        await rt.push(TextFrame(text="stop"))
    assert rt.epoch == 2 or rt.epoch == 1
    assert len(head.interrupts) == rt.epoch
    assert len(sink.interrupts) == rt.epoch


async def test_request_raised_in_an_old_epoch_is_not_served_again() -> None:
    async with Runtime(Graph.chain(Recorder())) as rt:
        await rt.interrupt()
        assert not await rt.interrupt(seen_epoch=0)
        await rt.push(InterruptRequestFrame(seen_epoch=0), to=None)
        assert rt.epoch == 1


async def test_stale_output_of_the_interrupting_task_is_dropped() -> None:
    class Talker(Processor):
        @handles
        async def on_text(self, frame: TextFrame, out: Outbox) -> None:
            await out.send(TextFrame(text="before"))
            await out.request_interrupt()
            await out.send(TextFrame(text="after, but from the old turn"))

    async with Runtime(Graph.chain(Talker(), Recorder())) as rt:
        out = rt.collect()
        await rt.push(TextFrame(text="go"))
        await rt.push(TextFrame(text="fresh"))
    assert texts(out) == ["before", "before"]  # each "after" belonged to the interrupted turn
    assert rt.stats()["in:Recorder"]["dropped_stale"] == 2


async def test_non_interruptible_nodes_keep_their_data() -> None:
    class Keeper(Gate):
        interruptible = False

    keeper = Keeper()
    graph = Graph.chain(keeper, Recorder())
    async with Runtime(graph) as rt:
        out = rt.collect()
        for i in range(3):
            await rt.push(TextFrame(text=str(i)))
        await keeper.entered.wait()
        await rt.interrupt()
        keeper.open.set()
    assert keeper.cancelled == 0
    assert texts(out) == []  # the sink is interruptible: old-epoch data is dropped there


async def test_node_errors_go_to_the_bus_and_the_graph_goes_on() -> None:
    async with Runtime(Graph.chain(Failing(), Recorder())) as rt:
        out = rt.collect()
        await rt.push(TextFrame(text="boom"))
        await rt.push(TextFrame(text="fine"))
    assert texts(out) == ["fine"]
    (event,) = rt.bus.errors
    assert event.error.code is ErrorCode.PIPELINE_ERROR and event.node == "Failing"


async def test_cancel_policy_stops_the_graph_on_error() -> None:
    rt = Runtime(Graph.chain(Failing(), QueuedRecorder()), error_policy=ErrorPolicy.CANCEL)
    errors: list[ErrorEvent] = []
    rt.bus.subscribe(errors.append, ErrorEvent)
    await rt.start()
    await rt.push(TextFrame(text="boom"))
    await asyncio.wait_for(rt.wait(), 2)
    await rt.cancel()
    assert errors[0].fatal and rt.failure is not None
    assert not rt.tasks


async def test_fan_out_and_fan_in_deliver_system_frames_once_and_end_once() -> None:
    join = Recorder(name="join")
    graph = Graph.chain(
        Recorder(name="head"), Parallel([Recorder(name="a")], [QueuedRecorder(name="b")]), join
    )
    async with Runtime(graph) as rt:
        out = rt.collect()
        await rt.push(TextFrame(text="x"))
        await rt.push(UserStartedSpeakingFrame())
    assert texts(join.seen) == ["x", "x"]
    assert sum(isinstance(f, UserStartedSpeakingFrame) for f in join.seen) == 1
    assert ends(out) == 1 and isinstance(out[-1], EndFrame)
    assert rt.nodes["join"].edge is not None  # fan-in nodes always get a task boundary


async def test_upstream_frames_reach_the_application_at_the_head() -> None:
    class Reporter(Processor):
        @handles
        async def on_text(self, frame: TextFrame, out: Outbox) -> None:
            await out.send_up(QoSFrame(lateness_ns=5))

    seen: list[str] = []
    async with Runtime(Graph.chain(Recorder(), Reporter())) as rt:
        rt.on_upstream(lambda f, head: seen.append(f"{type(f).__name__}@{head}"))
        await rt.push(TextFrame(text="t"))
    assert seen == ["QoSFrame@Recorder"]


async def test_no_task_survives_end_cancel_or_start_failure() -> None:
    before = len(asyncio.all_tasks())
    graph = Graph.chain(*(QueuedRecorder() for _ in range(5)))
    async with Runtime(graph) as rt:
        assert len(rt.tasks) == 5
    assert len(asyncio.all_tasks()) == before
    rt2 = Runtime(Graph.chain(Gate(), QueuedRecorder()))
    await rt2.start()
    await rt2.push(TextFrame(text="stuck"))
    await rt2.cancel()
    assert len(asyncio.all_tasks()) == before and not rt2.tasks


async def test_start_is_bounded_by_a_deadline() -> None:
    class Hangs(Processor):
        async def on_start(self, ctx: StartContext) -> None:
            await asyncio.sleep(3600)

    rt = Runtime(Graph.chain(Hangs()), start_timeout=0.05)
    with pytest.raises(VoiceError) as info:
        await rt.start()
    assert info.value.code is ErrorCode.TIMEOUT


async def test_end_is_bounded_by_a_deadline() -> None:
    gate = Gate()
    rt = Runtime(Graph.chain(gate))
    await rt.start()
    await rt.push(TextFrame(text="held"))
    with pytest.raises(VoiceError) as info:
        await rt.end(timeout=0.05)
    assert info.value.code is ErrorCode.TIMEOUT
    assert not rt.tasks


async def test_spawned_background_tasks_stop_with_the_graph() -> None:
    class Ticker(Processor):
        def __init__(self) -> None:
            super().__init__()
            self.ticks = 0

        async def on_start(self, ctx: StartContext) -> None:
            ctx.spawn(self._tick())

        async def _tick(self) -> None:
            while True:
                self.ticks += 1
                await self.outbox.send(TextFrame(text="tick"))
                await asyncio.sleep(0.001)

    ticker = Ticker()
    async with Runtime(Graph.chain(ticker, Recorder())) as rt:
        out = rt.collect()
        await asyncio.sleep(0.02)
        assert len(rt.tasks) == 1
    assert ticker.ticks > 0 and texts(out)
    assert not rt.tasks


async def test_a_busy_backlog_yields_so_other_graphs_make_progress() -> None:
    order: list[str] = []

    class Note(Processor):
        concurrent = True

        @handles
        async def on_text(self, frame: TextFrame, out: Outbox) -> None:
            order.append(frame.text)

    graphs = []
    for tag in "ab":
        graph = Graph.chain(Note(name=tag))
        graph.edges[tag] = EdgeConfig(capacity=1000)
        graphs.append(Runtime(graph))
    for rt, tag in zip(graphs, "ab", strict=True):
        await rt.start()
        for _ in range(500):
            await rt.push(TextFrame(text=tag))  # both backlogs are queued before either runs
    for rt in graphs:
        await rt.end()
    first_b = order.index("b")
    assert order.count("a") == order.count("b") == 500
    assert first_b < 100, f"graph b waited for {first_b} frames of graph a"


async def test_lifecycle_hooks_run_once_each() -> None:
    rec = Recorder()
    async with Runtime(Graph.chain(rec)) as rt:
        await rt.push(TextFrame(text="x"))
        await rt.interrupt()
    assert (rec.flushes, rec.drains, rec.stopped) == (1, 1, 1)


async def test_pushing_into_a_stopped_graph_is_a_coded_error() -> None:
    rt = Runtime(Graph.chain(Recorder()))
    await rt.start()
    await rt.end()
    with pytest.raises(VoiceError) as info:
        await rt.push(TextFrame(text="late"))
    assert info.value.code is ErrorCode.PIPELINE_ERROR


async def test_observers_see_frames_crossing_a_link() -> None:
    a, b = Recorder(name="a"), Recorder(name="b")
    crossed: list[str] = []
    rt = Runtime(Graph.chain(a, b))
    rt.observe("a", "b", lambda f, link: crossed.append(f"{link.name}:{type(f).__name__}"))
    async with rt:
        await rt.push(TextFrame(text="x"))
    assert crossed == ["a->b:TextFrame", "a->b:EndFrame"]


async def test_sticky_frames_are_remembered_per_node() -> None:
    from voicegraph.framework import AudioFormat
    from voicegraph.framework.frames import FormatFrame

    node = Recorder()
    async with Runtime(Graph.chain(node)) as rt:
        await rt.push(FormatFrame(format=AudioFormat(8000)))
        await rt.push(FormatFrame(format=AudioFormat(24000)))
        kept = node.sticky_frame(FormatFrame)
        assert kept is not None and kept.format.rate == 24000
        assert node.sticky_frame(TextFrame) is None


async def test_a_hanging_flush_is_reported_and_the_others_still_flush() -> None:
    class Hangs(Recorder):
        async def on_flush(self) -> None:
            await asyncio.sleep(3600)

    after = Recorder(name="after")
    rt = Runtime(Graph.chain(Hangs(name="hangs"), after), flush_timeout=0.05)
    async with rt:
        await rt.interrupt()
    assert after.flushes == 1 and len(after.interrupts) == 1
    (event,) = rt.bus.errors
    assert event.error.code is ErrorCode.TIMEOUT and event.node == "hangs"


async def test_handlers_know_which_way_a_two_way_frame_travels() -> None:
    seen: list[str] = []

    class Watch(Processor):
        @handles
        async def on_user(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
            seen.append(f"{self.name}:{out.direction.name}")
            await out.forward(frame)

    class Echo(Processor):
        @handles
        async def on_user(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
            await out.send_up(UserStartedSpeakingFrame())

    ups: list[str] = []
    async with Runtime(Graph.chain(Watch(name="w"), Echo())) as rt:
        rt.on_upstream(lambda f, head: ups.append(type(f).__name__))
        await rt.push(UserStartedSpeakingFrame())
    assert seen == ["w:DOWN", "w:UP"]
    assert ups == ["UserStartedSpeakingFrame"]
