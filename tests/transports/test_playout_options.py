"""PlayoutOptions: one value carries the pacing settings to every output node and spec."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.spec import build_graph
from voicegraph.graphs.connection_registry import ConnectionRegistry
from voicegraph.transports import MemoryTransport, PlayoutOptions, PlayoutOutput


@pytest.mark.parametrize(("chunk_ms", "buffer_ms"), [(0.0, 200.0), (-5.0, 200.0), (40.0, 20.0)])
def test_options_without_a_whole_chunk_of_buffer_are_refused_with_invalid_config(
    chunk_ms: float, buffer_ms: float
) -> None:
    with pytest.raises(VoiceError) as err:
        PlayoutOptions(chunk_ms=chunk_ms, buffer_ms=buffer_ms)
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_the_connection_output_takes_the_options_it_is_given() -> None:
    opts = PlayoutOptions(chunk_ms=40.0, buffer_ms=400.0, stop_hold_ms=120.0)
    out = MemoryTransport().output(playout=opts)
    assert out.playout is opts and out.chunk_ms == 40.0
    assert out.latency.ms == 40.0


def spec(params: dict[str, object]) -> dict[str, object]:
    return {
        "name": "echo",
        "nodes": [
            {"id": "input", "type": "transport_input"},
            {"id": "output", "type": "transport_output", "params": params},
        ],
    }


def test_a_spec_sets_the_transport_output_options_by_their_names() -> None:
    graph = build_graph(
        spec({"chunk_ms": 40, "stop_hold_ms": 300}), reg=ConnectionRegistry(MemoryTransport())
    )
    out = graph.processors["output"]
    assert isinstance(out, PlayoutOutput)
    assert out.playout == PlayoutOptions(chunk_ms=40.0, stop_hold_ms=300.0)


def test_a_spec_with_an_unknown_playout_param_is_refused_with_invalid_config() -> None:
    with pytest.raises(VoiceError) as err:
        build_graph(spec({"chunk_size": 40}), reg=ConnectionRegistry(MemoryTransport()))
    assert err.value.code is ErrorCode.INVALID_CONFIG
    assert len(err.value.details) == 1
