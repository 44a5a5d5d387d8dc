"""Hypothesis properties of the runtime over random DAGs and random frame sequences."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicegraph.framework import EdgeConfig, Graph, InterruptEvent, Outbox, Processor, Runtime, handles
from voicegraph.framework.frames import EndFrame, Frame, InterruptFrame, TextFrame, UserStartedSpeakingFrame


@dataclass
class Trace:
    """What every node saw, for checking invariants after the run."""

    received: dict[str, list[str]] = field(default_factory=dict)
    interrupts: dict[str, int] = field(default_factory=dict)
    system: dict[str, int] = field(default_factory=dict)


class Tag(Processor):
    """Re-emits each text frame as a new frame `origin:emitter:seq`, yielding sometimes."""

    def __init__(self, trace: Trace, *, yield_every: int, name: str) -> None:
        super().__init__(name=name)
        self.trace, self.yield_every, self.seq = trace, yield_every, 0
        trace.received[name], trace.interrupts[name], trace.system[name] = [], 0, 0

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        self.trace.received[self.name].append(frame.text)
        self.seq += 1
        if self.yield_every and self.seq % self.yield_every == 0:
            await asyncio.sleep(0)
        if frame.text.endswith("!"):
            await out.request_interrupt("property")
        origin = frame.text.split(":")[0].rstrip("!")
        await out.send(TextFrame(text=f"{origin}:{self.name}:{self.seq}"))

    @handles
    async def on_user(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        self.trace.system[self.name] += 1
        await out.send(frame)

    @handles
    async def on_interrupt(self, frame: InterruptFrame, out: Outbox) -> None:
        self.trace.interrupts[self.name] += 1


class QTag(Tag):
    concurrent = True


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[list[int]], list[bool], list[int], list[int]]:
    n = draw(st.integers(2, 7))
    parents: list[list[int]] = [[]] + [
        sorted(draw(st.sets(st.integers(0, i - 1), min_size=1, max_size=2))) for i in range(1, n)
    ]
    queued = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    caps = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    yields = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    return parents, queued, caps, yields


ops = st.lists(
    st.sampled_from(["data", "data", "data", "system", "interrupt", "request", "pause"]), max_size=40
)


async def run_case(
    shape: tuple[list[list[int]], list[bool], list[int], list[int]], script: list[str]
) -> None:
    parents, queued, caps, yields = shape
    trace = Trace()
    graph = Graph("prop")
    names = []
    for i in range(len(parents)):
        cls = QTag if queued[i] else Tag
        names.append(
            graph.add(cls(trace, yield_every=yields[i], name=f"n{i}"), edge=EdgeConfig(capacity=caps[i]))
        )
    for i, ps in enumerate(parents):
        for p in ps:
            graph.link(names[p], names[i])
    before = len(asyncio.all_tasks())
    rt = Runtime(graph)
    sinks: dict[str, list[Frame]] = {}
    boundaries: list[int] = []  # origin index of the last frame pushed before each interruption
    sinks.update({s: [] for s in graph.sinks()})

    pushed = 0
    events: list[InterruptEvent] = []

    def record(frame: Frame, sink: str) -> None:
        if not sink:  # the interruption's instant (the epoch bump), seen by every sink
            boundaries.append(pushed)
        for name in [sink] if sink else list(sinks):
            sinks[name].append(frame)

    rt.on_output(record)
    rt.bus.subscribe(events.append, InterruptEvent)
    async with rt:
        for op in script:
            if op in ("data", "request"):
                pushed += 1
                await rt.push(TextFrame(text=f"{pushed}{'!' if op == 'request' else ''}"))
            elif op == "interrupt":
                await rt.interrupt("test")
            elif op == "system":
                await rt.push(UserStartedSpeakingFrame())
            else:
                await asyncio.sleep(0)
        for node in rt.nodes.values():  # an edge never holds more than its capacity
            if node.edge is not None:
                assert node.edge.stats.high_water <= node.edge.capacity
    # the end frame arrives exactly once at every sink, and last
    for sink in graph.sinks():
        frames = sinks[sink]
        assert sum(isinstance(f, EndFrame) for f in frames) == 1 and isinstance(frames[-1], EndFrame)
    # data order is kept per edge: frames from each emitter arrive in emission order
    for _name, got in trace.received.items():
        per_emitter: dict[str, list[int]] = {}
        for text in got:
            parts = text.rstrip("!").split(":")
            if len(parts) == 3:
                per_emitter.setdefault(parts[1], []).append(int(parts[2]))
        for seqs in per_emitter.values():
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # the interruption reaches every node exactly once
    assert len(boundaries) == len(events) == rt.epoch
    assert all(count == rt.epoch for count in trace.interrupts.values())
    # system frames reach every node exactly once (de-duplicated at fan-in)
    n_system = script.count("system")
    assert all(count == n_system for count in trace.system.values())
    # no frame from before an interruption reaches a sink after it
    for frames in sinks.values():
        seen_interrupts = 0
        for f in frames:
            if isinstance(f, InterruptFrame):
                seen_interrupts += 1
            elif isinstance(f, TextFrame) and seen_interrupts:
                origin = int(f.text.split(":")[0])
                assert origin > boundaries[seen_interrupts - 1], (f.text, boundaries)
    # no task survives the graph
    assert not rt.tasks and len(asyncio.all_tasks()) == before


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), ops)
def test_runtime_invariants_hold_on_random_graphs(
    shape: tuple[list[list[int]], list[bool], list[int], list[int]], script: list[str]
) -> None:
    asyncio.run(run_case(shape, script))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(1, 8))
def test_no_stale_frame_reaches_the_sink_when_interrupting_a_backlog(backlog: int, capacity: int) -> None:
    async def case() -> None:
        trace = Trace()
        graph = Graph("backlog")
        names = [
            graph.add(QTag(trace, yield_every=1, name=f"q{i}"), edge=EdgeConfig(capacity=capacity))
            for i in range(4)
        ]
        for a, b in itertools.pairwise(names):
            graph.link(a, b)
        async with Runtime(graph) as rt:
            out = rt.collect()
            producer = asyncio.ensure_future(_produce(rt, backlog))
            await asyncio.sleep(0)
            for _ in range(3):
                await asyncio.sleep(0)
            cutoff = producer_count[0]
            await rt.interrupt()
            producer.cancel()
            await asyncio.gather(producer, return_exceptions=True)
        late = [f for f in out if isinstance(f, TextFrame) and int(f.text.split(":")[0]) <= cutoff]
        after = out[next((i for i, f in enumerate(out) if isinstance(f, InterruptFrame)), len(out)) :]
        assert not [f for f in after if f in late]

    producer_count = [0]

    async def _produce(rt: Runtime, n: int) -> None:
        for i in range(1, n + 1):
            producer_count[0] = i
            await rt.push(TextFrame(text=str(i)))

    asyncio.run(case())
