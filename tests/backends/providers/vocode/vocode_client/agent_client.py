"""vocode's own WebSocketUserImplementedAgent calling a voicegraph agent endpoint (vocode venv).

    python agent_client.py ws://127.0.0.1:PORT/agent "first line" "second line" > replies.json

The agent is built from vocode's `WebSocketUserImplementedAgentConfig` and run as a
vocode conversation runs it (`start()`, human transcriptions put on its input queue as
`TranscriptionAgentInput` events, responses read from its output queue). Each line is
sent as a final transcription after the previous reply came back; prints one JSON
object: the replies' texts (vocode `AgentResponseMessage.message.text`) and the response
types seen.
"""

# mypy: ignore-errors
# (runs in the vocode venv, where vocode is importable; not in voicegraph's)
from __future__ import annotations

import asyncio
import json
import sys

from vocode.streaming.agent.base_agent import AgentResponseMessage, TranscriptionAgentInput
from vocode.streaming.agent.websocket_user_implemented_agent import WebSocketUserImplementedAgent
from vocode.streaming.models.message import BaseMessage
from vocode.streaming.models.transcriber import Transcription
from vocode.streaming.models.websocket_agent import WebSocketUserImplementedAgentConfig
from vocode.streaming.utils.worker import InterruptibleEvent


async def run(url: str, lines: list[str]) -> dict:
    config = WebSocketUserImplementedAgentConfig(
        respond=WebSocketUserImplementedAgentConfig.RouteConfig(url=url),
        initial_message=BaseMessage(text="unused: the conversation speaks it, not the agent"),
    )
    agent = WebSocketUserImplementedAgent(config)
    agent.start()
    out: dict = {"replies": [], "types": []}
    try:
        for line in lines:
            payload = TranscriptionAgentInput(
                transcription=Transcription(message=line, confidence=1.0, is_final=True),
                conversation_id="vocode-agent-conversation",
                vonage_uuid=None,
                twilio_sid=None,
            )
            agent.consume_nonblocking(InterruptibleEvent(payload))
            event = await asyncio.wait_for(agent.output_queue.get(), 20)
            out["types"].append(type(event.payload).__name__)
            if isinstance(event.payload, AgentResponseMessage):
                out["replies"].append(event.payload.message.text)
    finally:
        agent.has_ended = True
        agent.terminate()
    return out


def main() -> None:
    print(json.dumps(asyncio.run(run(sys.argv[1], sys.argv[2:]))))


if __name__ == "__main__":
    main()
