"""Tools come from the agent layer's registry and are described to the model in the realtime shape."""

from __future__ import annotations

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.agent import ToolRegistry
from voicegraph.processors.s2s.realtime_tools import flatten_spec, realtime_tool_specs, tool_registry


async def get_weather(city: str, days: int = 1) -> dict[str, object]:
    """Get the weather forecast."""
    return {"city": city, "temp_c": 21}


def test_a_mapping_of_functions_becomes_a_registry_under_the_given_names() -> None:
    registry = tool_registry({"weather": get_weather})
    assert "weather" in registry


def test_specs_are_flat_realtime_function_definitions_with_json_schema() -> None:
    (spec,) = realtime_tool_specs(tool_registry([get_weather]))
    assert spec["type"] == "function" and spec["name"] == "get_weather"
    assert spec["description"] == "Get the weather forecast."
    assert spec["parameters"]["required"] == ["city"]
    assert spec["parameters"]["properties"]["days"]["type"] == "integer"


def test_explicit_specs_win_over_derived_ones_by_name() -> None:
    explicit = {
        "type": "function",
        "name": "get_weather",
        "description": "Mine.",
        "parameters": {"type": "object"},
    }
    (spec,) = realtime_tool_specs(tool_registry([get_weather]), [explicit])
    assert spec["description"] == "Mine."


def test_a_registry_is_used_as_it_is() -> None:
    registry = ToolRegistry([get_weather])
    assert tool_registry(registry) is registry


def test_a_tool_definition_without_a_name_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        flatten_spec({"type": "function", "function": {"description": "x"}})
    assert info.value.code is ErrorCode.INVALID_CONFIG
