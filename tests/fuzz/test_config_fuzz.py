"""Hypothesis over config files: serve configs (YAML and JSON) and graph specs, random and
mutated from valid documents. Property: `load_config`/`load_spec`/`build_graph` either
succeed or raise `VoiceError(invalid_config)` (a format mismatch in a graph that loads may
be `not_negotiated`), never another exception.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from voicegraph.backends.config import load_config
from voicegraph.framework.errors import ErrorCode
from voicegraph.framework.spec import build_graph, load_spec

from .strategies import FUZZ, coded, json_values, mutated

CONFIG_CODES = frozenset({ErrorCode.INVALID_CONFIG})
GRAPH_CODES = frozenset({ErrorCode.INVALID_CONFIG, ErrorCode.NOT_NEGOTIATED})
CHEAP_TYPES = [
    "echo_agent",
    "scripted_agent",
    "gain",
    "resampler",
    "rechunker",
    "sentence_aggregator",
    "g711_encoder",
]
GRAPH = {"name": "echo", "nodes": [{"id": "agent", "type": "echo_agent", "params": {"reply_delay_s": 0.0}}]}
CONFIG: dict[str, Any] = {
    "backend": {"provider": "websocket", "options": {"host": "127.0.0.1", "port": 0}},
    "graph": GRAPH,
    "persistence": {"url": "memory://"},
    "health": {"port": 0},
    "limits": {"shutdown_timeout_s": 10},
}

nodes = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b", "c"]) | st.sampled_from(["a", "b"]) | st.text(max_size=6),
        "type": st.sampled_from(CHEAP_TYPES),
    },
    optional={
        "params": st.dictionaries(
            st.sampled_from(["reply_delay_s", "gain_db", "lines", "in_rate", "out_rate", "chunk_ms"]),
            json_values,
            max_size=2,
        ),
        "edge": st.fixed_dictionaries({"capacity": st.integers(-1, 20) | json_values}),
    },
)
specs = mutated(GRAPH) | st.fixed_dictionaries(
    {"name": st.just("g"), "nodes": st.lists(nodes, min_size=1, max_size=4)},
    optional={
        "links": json_values | st.lists(st.tuples(*[st.sampled_from("abcx")] * 2), max_size=3),
        "input_format": json_values | st.fixed_dictionaries({"rate": json_values, "channels": json_values}),
    },
)
documents = (
    st.text(max_size=200)
    | json_values.map(json.dumps)
    | json_values.map(yaml.safe_dump)
    | st.lists(st.sampled_from(yaml.safe_dump(CONFIG).splitlines()), max_size=12).map("\n".join)
    | st.builds(lambda c, g: yaml.safe_dump({**c, "graph": g}), mutated(CONFIG), specs | json_values)
)


@FUZZ
@given(documents)
def test_a_serve_config_file_loads_or_is_invalid_config(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "serve.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        coded(lambda: load_config(path, env={}), CONFIG_CODES)


@FUZZ
@given(
    mutated(CONFIG),
    st.dictionaries(st.sampled_from(["VOICEGRAPH_PORT", "VOICEGRAPH_HOST", "X"]), st.text(max_size=8)),
)
def test_a_mutated_serve_config_loads_or_is_invalid_config(data: dict[str, Any], env: dict[str, str]) -> None:
    coded(lambda: load_config(data, env=env), CONFIG_CODES)


@FUZZ
@given(specs | json_values | st.text(max_size=120))
def test_a_graph_spec_builds_or_is_coded(spec: Any) -> None:
    loaded = coded(
        lambda: load_spec(spec if isinstance(spec, dict | str) else json.dumps(spec)), CONFIG_CODES
    )
    if not isinstance(loaded, Exception):
        coded(lambda: build_graph(loaded), GRAPH_CODES)
