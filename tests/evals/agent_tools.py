"""Tools the conversation tests give an LLM agent (by `module:function` name, as YAML does)."""

from __future__ import annotations

from voicegraph.processors.agent.tool_context import ToolContext


def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city's name.
    """
    return f"It is sunny in {city}."


def hang_up(ctx: ToolContext) -> str:
    """End the call."""
    ctx.end_call("the caller said goodbye")
    return "ok"


def transfer_to_billing(ctx: ToolContext) -> str:
    """Transfer the caller to the billing team."""
    ctx.transfer_call("billing", "billing question")
    return "ok"
