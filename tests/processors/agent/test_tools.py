"""Tools: JSON schema from type hints, validated arguments, deadlines, errors fed back as results."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Literal

import pydantic
import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.agent import EndCallFrame, Tool, ToolCall, ToolContext, ToolRegistry, tool

pytestmark = pytest.mark.anyio


def weather(city: str, days: int = 1, unit: Literal["c", "f"] = "c") -> dict[str, object]:
    """Get the weather forecast.

    Args:
        city: the city name.
        days: how many days ahead.
        unit: temperature unit.
    """
    return {"city": city, "days": days, "unit": unit, "temp": 21}


class Booking(pydantic.BaseModel):
    """A table booking."""

    name: str
    guests: int = pydantic.Field(ge=1, le=12)


@tool(name="book_table")
async def book(booking: Booking) -> str:
    return f"booked for {booking.name} ({booking.guests})"


@tool
async def hang_up(reason: str, ctx: ToolContext) -> str:
    """End the call."""
    ctx.end_call(reason)
    return "ok"


def _call(name: str, args: object, call_id: str = "c1") -> ToolContext:
    text = args if isinstance(args, str) else json.dumps(args)
    return ToolContext(call=ToolCall(0, call_id, name, text))


def test_the_schema_comes_from_type_hints_and_the_docstring() -> None:
    schema = Tool(weather).schema()
    fn = schema["function"]
    assert (schema["type"], fn["name"], fn["description"]) == (
        "function",
        "weather",
        "Get the weather forecast.",
    )
    props = fn["parameters"]["properties"]
    assert props["city"] == {"type": "string", "description": "the city name.", "title": "City"}
    assert props["days"]["type"] == "integer" and props["days"]["default"] == 1
    assert props["unit"]["enum"] == ["c", "f"]
    assert fn["parameters"]["required"] == ["city"]


def test_a_pydantic_model_parameter_gives_the_models_schema() -> None:
    params = book.schema()["function"]["parameters"]
    assert set(params["properties"]) == {"name", "guests"} and params["properties"]["guests"]["maximum"] == 12


def test_a_tool_context_parameter_is_left_out_of_the_schema() -> None:
    assert set(hang_up.parameters["properties"]) == {"reason"}


def test_a_parameter_without_a_type_hint_is_invalid_config() -> None:
    def untyped(x):  # type: ignore[no-untyped-def]
        return x

    with pytest.raises(VoiceError) as info:
        Tool(untyped)
    assert info.value.code is ErrorCode.INVALID_CONFIG


async def test_a_call_runs_with_validated_arguments() -> None:
    result = await ToolRegistry([weather]).run(_call("weather", {"city": "Oslo", "days": "3"}))
    assert result.ok and json.loads(result.content) == {"city": "Oslo", "days": 3, "unit": "c", "temp": 21}


async def test_arguments_that_do_not_fit_are_an_invalid_input_result_not_a_crash() -> None:
    result = await ToolRegistry([book]).run(_call("book_table", {"name": "Ada", "guests": 40}))
    assert result.error == ErrorCode.INVALID_INPUT
    assert "guests" in json.loads(result.content)["error"]


async def test_arguments_that_are_not_json_are_an_invalid_input_result() -> None:
    result = await ToolRegistry([weather]).run(_call("weather", '{"city": '))
    assert result.error == ErrorCode.INVALID_INPUT


async def test_an_unknown_tool_is_an_invalid_input_result_naming_the_known_ones() -> None:
    result = await ToolRegistry([weather]).run(_call("teleport", {}))
    assert result.error == ErrorCode.INVALID_INPUT and "weather" in result.content


async def test_a_slow_tool_is_stopped_at_its_deadline() -> None:
    async def slow() -> str:
        await asyncio.sleep(5)
        return "late"

    t0 = time.perf_counter()
    result = await ToolRegistry([slow], timeout_s=0.1).run(_call("slow", {}))
    assert result.error == ErrorCode.TIMEOUT and time.perf_counter() - t0 < 1.0


async def test_a_tool_that_raises_is_an_agent_error_result() -> None:
    def broken() -> str:
        raise RuntimeError("database down")

    result = await ToolRegistry([broken]).run(_call("broken", {}))
    assert result.error == ErrorCode.AGENT_ERROR and "database down" in result.content


async def test_parallel_calls_run_together_and_return_in_call_order() -> None:
    async def wait(ms: int) -> int:
        await asyncio.sleep(ms / 1000)
        return ms

    calls = [ToolCall(i, f"c{i}", "wait", json.dumps({"ms": ms})) for i, ms in enumerate((300, 100, 200))]
    t0 = time.perf_counter()
    results, _ = await ToolRegistry([wait]).run_all(calls)
    assert [r.content for r in results] == ["300", "100", "200"] and time.perf_counter() - t0 < 0.55


async def test_a_tool_can_ask_to_end_the_call() -> None:
    results, actions = await ToolRegistry([hang_up]).run_all(
        [ToolCall(0, "c1", "hang_up", '{"reason": "done"}')]
    )
    assert results[0].ok and actions == [EndCallFrame(reason="done")]


def test_tools_load_from_import_strings_for_graph_specs() -> None:
    registry = ToolRegistry(
        ["tests.processors.agent.test_tools:weather", "tests.processors.agent.test_tools:book"]
    )
    assert [s["function"]["name"] for s in registry.schemas()] == ["weather", "book_table"]


def test_a_bad_import_string_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        ToolRegistry(["tests.processors.agent.test_tools:nope"])
    assert info.value.code is ErrorCode.INVALID_CONFIG
