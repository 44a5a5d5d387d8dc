from __future__ import annotations

from typing import Any

import pytest

from voicegraph.framework import ErrorCode, Outbox, Processor, VoiceError, handles
from voicegraph.framework.frames import TextFrame
from voicegraph.framework.registry import Registry
from voicegraph.framework.spec import build_graph, load_spec


class Upper(Processor):
    def __init__(self, *, times: int = 1, suffix: str = "", name: str | None = None) -> None:
        super().__init__(name=name)
        self.times, self.suffix = times, suffix

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        await out.send(TextFrame(text=frame.text.upper() * self.times + self.suffix))


@pytest.fixture
def reg() -> Registry:
    r = Registry(load_entry_points=False)
    r.register("processors", "upper", Upper)
    return r


SPEC = """
name: shout
nodes:
  - id: first
    type: upper
    params: {times: 2}
  - id: second
    type: upper
    params: {suffix: "!"}
    edge: {capacity: 4, overflow: block, queued: true}
"""


@pytest.mark.anyio
async def test_yaml_spec_builds_a_running_graph(reg: Registry) -> None:
    from voicegraph.framework import Runtime

    graph = build_graph(SPEC, reg=reg)
    assert list(graph.processors) == ["first", "second"]
    async with Runtime(graph) as rt:
        out = rt.collect()
        await rt.push(TextFrame(text="hi"))
        assert rt.nodes["second"].edge is not None and rt.nodes["second"].edge.capacity == 4
    assert [f.text for f in out if isinstance(f, TextFrame)] == ["HIHI!"]


def test_errors_name_each_node_and_field(reg: Registry) -> None:
    bad = {
        "nodes": [
            {"id": "a", "type": "upper", "params": {"times": "many"}},
            {"id": "b", "type": "nope"},
            {"id": "c", "type": "upper", "params": {"colour": "red"}},
        ]
    }
    with pytest.raises(VoiceError) as info:
        build_graph(bad, reg=reg)
    err = info.value
    assert err.code is ErrorCode.INVALID_CONFIG
    assert len(err.details) == 3
    assert err.details[0].startswith("nodes[0] (id=a, type=upper): params.times")
    assert "unknown processors type 'nope'" in err.details[1]
    assert err.details[2].startswith("nodes[2] (id=c, type=upper): params.colour")


def test_structural_mistakes_are_invalid_config() -> None:
    cases: list[dict[str, Any] | str] = [
        {"nodes": []},
        {"nodes": [{"id": "a", "type": "x"}, {"id": "a", "type": "x"}]},
        {"nodes": [{"id": "a", "type": "x"}], "links": [["a", "ghost"]]},
        {"nodes": [{"id": "a", "type": "x", "extra": 1}]},
        "nodes: [unclosed",
    ]
    for bad in cases:
        with pytest.raises(VoiceError) as info:
            load_spec(bad)
        assert info.value.code is ErrorCode.INVALID_CONFIG


def test_unknown_type_lists_the_known_ones(reg: Registry) -> None:
    with pytest.raises(VoiceError) as info:
        reg.get("processors", "missing")
    assert info.value.code is ErrorCode.PROVIDER_NOT_FOUND and "upper" in info.value.message


def test_spec_links_make_a_dag(reg: Registry) -> None:
    spec = {
        "nodes": [{"id": n, "type": "upper"} for n in "abcd"],
        "links": [["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"]],
    }
    graph = build_graph(spec, reg=reg)
    assert graph.upstream("d") == ["b", "c"] and graph.heads() == ["a"]


class Picky(Processor):
    """A node whose own check refuses a value its signature allows."""

    def __init__(self, *, rate: int = 16000, name: str | None = None) -> None:
        super().__init__(name=name)
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")


def test_a_node_that_cannot_be_created_is_a_coded_error_naming_it(reg: Registry) -> None:
    reg.register("processors", "picky", Picky)
    with pytest.raises(VoiceError) as info:
        build_graph({"nodes": [{"id": "p", "type": "picky", "params": {"rate": -1}}]}, reg=reg)
    assert info.value.code is ErrorCode.INVALID_CONFIG
    assert info.value.details == (
        "nodes[0] (id=p, type=picky): cannot be created: ValueError: rate must be positive, got -1",
    )
