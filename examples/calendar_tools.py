"""Tools: a calendar the agent can read and book, and a transfer to a human.

Shows: typed Python functions as tools (`@tool`: the JSON schema comes from the type
hints and the docstring), the agent node's tool loop (the model asks for a call, the
node runs it under a timeout and asks the model again with the result), and call
control from a tool (`ToolContext.transfer_call`: the agent emits a
`TransferCallFrame` after the reply, and the transport transfers once it has played).

The model: with OPENAI_API_KEY (or OPENAI_BASE_URL for any OpenAI-compatible server)
set, a real one (`LLMNode`). Without it, and always with --smoke, `RuleModel` below
stands in: a few lines that make the same tool calls a model would, so the tool loop
runs for real without a model. Swap one for the other: nothing else changes.

Run:  python examples/calendar_tools.py ["book me a meeting on tuesday"]   (--smoke)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import TYPE_CHECKING, Any

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import LLMMessagesFrame, LLMTextFrame
from voicegraph.processors.agent import (
    ChatEvent,
    LLMNode,
    StreamingAgent,
    TextDelta,
    ToolCall,
    ToolContext,
    TransferCallFrame,
    tool,
)

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

CALENDAR: dict[str, list[str]] = {"monday": ["09:00"], "tuesday": ["10:00", "15:00"]}


@tool
def free_slots(day: str) -> list[str]:
    """The free meeting slots on a weekday.

    Args:
        day: weekday name in lower case, e.g. "tuesday".
    """
    return CALENDAR.get(day.lower(), [])


@tool
def book_meeting(day: str, time: str) -> str:
    """Book the free slot at `time` (HH:MM) on `day`."""
    if time not in CALENDAR.get(day, []):
        return f"{time} on {day} is not free"
    CALENDAR[day].remove(time)
    return f"booked {day} {time}"


@tool
def transfer_to_human(department: str, ctx: ToolContext) -> str:
    """Transfer the caller to a person in `department` (sales or support)."""
    ctx.transfer_call(f"sip:{department}@example.com", reason="caller asked for a person")
    return "transferring after your goodbye"


TOOLS = [free_slots, book_meeting, transfer_to_human]


class RuleModel(StreamingAgent):
    """Stands in for an LLM: asks for the tool calls a model would, then answers from results."""

    async def generate(self, frame: LLMMessagesFrame) -> AsyncGenerator[ChatEvent, None]:
        last = frame.messages[-1]
        if last["role"] == "tool":  # a tool answered: phrase its result
            yield TextDelta(text=f"Done: {last['content'].strip(chr(34))}.")
            return
        said = str(last["content"]).lower()
        if "person" in said or "human" in said:
            yield ToolCall(
                index=0, id="call_1", name="transfer_to_human", arguments='{"department": "sales"}'
            )
        elif "book" in said:
            day = next((d for d in CALENDAR if d in said), "monday")
            slot = (CALENDAR[day] or ["09:00"])[0]
            args = json.dumps({"day": day, "time": slot})
            yield ToolCall(index=0, id="call_1", name="book_meeting", arguments=args)
        else:
            yield TextDelta(text="I can book meetings or get you a person.")


def agent(smoke: bool) -> StreamingAgent:
    if not smoke and (os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")):
        return LLMNode(model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"), tools=TOOLS)
    return RuleModel(tools=TOOLS)


async def ask(node: StreamingAgent, text: str) -> None:
    async with Runtime(Graph.chain(node)) as rt:
        out = rt.collect()
        await rt.push(LLMMessagesFrame(messages=({"role": "user", "content": text},)))
    reply = "".join(f.text for f in out if isinstance(f, LLMTextFrame))
    print(f"user: {text}\nbot: {reply}")
    for frame in out:
        if isinstance(frame, TransferCallFrame):
            print(f"transfer to {frame.target} ({frame.reason})")


async def main(questions: list[str], smoke: bool) -> None:
    schema: dict[str, Any] = book_meeting.schema()
    print("book_meeting parameters:", sorted(schema["function"]["parameters"]["properties"]))
    for text in questions:
        await ask(agent(smoke), text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="*")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    default = ["Please book me a meeting on tuesday", "Can I talk to a person?"]
    asyncio.run(main(args.question or default, args.smoke))
