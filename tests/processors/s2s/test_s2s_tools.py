"""Function calls from the realtime model run through the agent layer's tool registry."""

from __future__ import annotations

import json

import pytest

from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import ErrorLog, audio_out, of_type, push_utterance
from voicegraph.framework import ErrorCode, Graph, Runtime
from voicegraph.framework.frames import Frame, ResponseEndFrame
from voicegraph.processors.agent import EndCallFrame, ToolContext
from voicegraph.processors.s2s import BotTranscriptFrame, OpenAIRealtimeS2S
from voicegraph.processors.s2s.realtime_tools import ToolsLike

pytestmark = pytest.mark.anyio

WEATHER_TURN = ScriptedTurn(
    tool_call=("get_weather", '{"city": "Paris"}'), after_tool="It is {temp_c} degrees in {city}."
)


async def get_weather(city: str) -> dict[str, object]:
    """Get the current weather for a city.

    Args:
        city: the city name.
    """
    return {"city": city, "temp_c": 21}


async def broken_weather(city: str) -> dict[str, object]:
    """Get the current weather for a city."""
    raise RuntimeError("weather service is down")


async def goodbye(ctx: ToolContext) -> str:
    """End the call."""
    ctx.end_call("user said bye")
    return "ending"


async def run_tool_turn(
    turn: ScriptedTurn, node_tools: ToolsLike
) -> tuple[FakeRealtimeServer, list[Frame], ErrorLog]:
    async with FakeRealtimeServer(RealtimeScript([turn])) as server:
        node = OpenAIRealtimeS2S(url=server.url, api_key=None, tools=node_tools)
        async with Runtime(Graph.chain(node)) as rt:
            errors = ErrorLog(rt)
            out = rt.collect()
            await push_utterance(rt, "what is the weather in Paris")
            await server.wait_for(
                lambda: len(server.responses) == 2 and server.responses[1].status == "completed"
            )
    return server, out, errors


async def test_a_tool_call_round_trips_and_the_model_speaks_the_result() -> None:
    server, out, errors = await run_tool_turn(WEATHER_TURN, [get_weather])
    (output,) = [e["item"] for e in server.events("conversation.item.create")]
    call = server.connections[0].conversation.items
    call_ids = [i.call_id for i in call.values() if i.type == "function_call"]
    assert output["type"] == "function_call_output" and [output["call_id"]] == call_ids
    assert json.loads(output["output"]) == {"city": "Paris", "temp_c": 21}
    assert [t.text for t in of_type(out, BotTranscriptFrame) if t.final] == ["It is 21 degrees in Paris."]
    assert audio_out(out) == bytes(server.responses[1].audio)
    assert errors.codes == []


async def test_tools_are_declared_in_the_session_with_their_schema() -> None:
    server, _, _ = await run_tool_turn(WEATHER_TURN, {"get_weather": get_weather})
    (tool,) = server.events("session.update")[0]["session"]["tools"]
    assert tool["name"] == "get_weather" and tool["parameters"]["required"] == ["city"]
    assert tool["parameters"]["properties"]["city"]["description"] == "the city name."


async def test_the_output_goes_back_before_the_next_response_is_asked_for() -> None:
    server, _, _ = await run_tool_turn(WEATHER_TURN, [get_weather])
    kinds = [e["type"] for e in server.events() if e["type"] != "input_audio_buffer.append"]
    assert kinds[kinds.index("conversation.item.create") + 1] == "response.create"
    assert kinds.count("response.create") == 1


async def test_a_failing_tool_answers_the_model_with_an_error_and_reports_it() -> None:
    turn = ScriptedTurn(
        tool_call=("get_weather", '{"city": "Paris"}'), after_tool="Sorry, I could not check."
    )
    server, out, errors = await run_tool_turn(turn, {"get_weather": broken_weather})
    (output,) = [e["item"]["output"] for e in server.events("conversation.item.create")]
    assert "weather service is down" in json.loads(output)["error"]
    assert errors.codes == [ErrorCode.AGENT_ERROR]
    assert [t.text for t in of_type(out, BotTranscriptFrame) if t.final] == ["Sorry, I could not check."]


async def test_a_tools_end_call_goes_out_after_the_follow_up_reply() -> None:
    turn = ScriptedTurn(tool_call=("goodbye", "{}"), after_tool="Goodbye!")
    _, out, _ = await run_tool_turn(turn, [goodbye])
    (end,) = [i for i, f in enumerate(out) if isinstance(f, EndCallFrame)]
    last_reply_end = max(i for i, f in enumerate(out) if isinstance(f, ResponseEndFrame))
    assert end > last_reply_end
    assert [f.reason for f in of_type(out, EndCallFrame)] == ["user said bye"]
