"""The first call to a cold `voicegraph serve` of the `cartesia` preset is heard and answered.

The fake Cartesia runs in this process (Whisper behind Ink, eSpeak behind Sonic); the
server, a fresh subprocess, reaches it through `CARTESIA_BASE_URL`. The caller asks
"What is the capital of France?" in real time over the raw WebSocket protocol.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.fakes.cartesia_server import FakeCartesia

from .cartesia_graph import ANSWER
from .question import question
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S, ServedCall
from .ws_caller import CallRecord, Plan, ws_call

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(180)]


@dataclass
class Outcome:
    call: ServedCall[CallRecord]
    stt_commands: list[str]
    tts_texts: list[str]
    tts_sockets: int


async def _call(serve: Callable[..., ServeProcess]) -> Outcome:
    async with FakeCartesia(interim_every_s=0) as fake:
        port = free_port()
        env = {"CARTESIA_API_KEY": fake.api_key, "CARTESIA_BASE_URL": fake.ws_url}
        server = serve("cartesia", port=port, env=env)
        await asyncio.to_thread(server.ready, READY_S)
        record = await ws_call(f"ws://127.0.0.1:{port}", Plan.paced(question()), listen_s=REPLY_BOUND_S)
        await asyncio.to_thread(server.stop)
        return Outcome(
            ServedCall(record, server.tail()),
            [str(m["command"]) for m in fake.received("stt") if "command" in m],
            [str(m["transcript"]) for m in fake.received("tts") if m.get("transcript")],
            sum(1 for h in fake.handshakes if h["path"] == "/tts/websocket"),
        )


@pytest.fixture(scope="module")
def outcome(serve: Callable[..., ServeProcess]) -> Outcome:
    return asyncio.run(_call(serve))


def test_cartesia_stt_hears_the_question(outcome: Outcome) -> None:
    assert outcome.call.record.heard_question, str(outcome.call)
    assert "finalize" in outcome.stt_commands


def test_cartesia_tts_speaks_the_answer(outcome: Outcome) -> None:
    assert outcome.call.record.answered, str(outcome.call)
    assert " ".join(outcome.tts_texts).split() == ANSWER.split(), outcome.tts_texts
    assert outcome.tts_sockets == 1  # one warm socket for the session


def test_the_caller_gets_the_bot_words(outcome: Outcome) -> None:
    assert "Paris" in outcome.call.record.bot_text, str(outcome.call)
