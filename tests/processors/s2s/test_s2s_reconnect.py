"""A dropped provider socket is re-opened: session configured again, conversation replayed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import ErrorLog, audio_out, of_type, push_utterance
from voicegraph.framework import ErrorCode, Graph, Runtime
from voicegraph.framework.frames import Frame, MetricsFrame, ResponseEndFrame
from voicegraph.processors.s2s import OpenAIRealtimeS2S

pytestmark = pytest.mark.anyio

SCRIPT = RealtimeScript(
    [
        ScriptedTurn(reply="First answer.", transcript="first question"),
        ScriptedTurn(reply="Second answer.", transcript="second question"),
    ]
)


@dataclass
class Run:
    server: FakeRealtimeServer
    out: list[Frame]
    errors: ErrorLog


def completed(server: FakeRealtimeServer) -> int:
    return sum(r.status == "completed" for r in server.responses)


@pytest.fixture
async def run() -> AsyncIterator[Run]:
    """Two turns with the connection dropped between them."""
    async with FakeRealtimeServer(SCRIPT) as server:
        node = OpenAIRealtimeS2S(url=server.url, api_key=None, transcription_model="gpt-4o-mini-transcribe")
        async with Runtime(Graph.chain(node)) as rt:
            errors, out = ErrorLog(rt), rt.collect()
            await push_utterance(rt, "first question")
            await server.wait_for(lambda: bool(of_type(out, ResponseEndFrame)))
            await server.drop()
            await server.wait_for(lambda: len(server.connections) == 2 and node.dialog.client.ready)
            await push_utterance(rt, "second question")
            await server.wait_for(lambda: completed(server) == 2)
        yield Run(server, out, errors)


def second_connection(server: FakeRealtimeServer) -> list[dict[str, object]]:
    return [r.event for r in server.received if r.connection == 1]


async def test_the_new_connection_is_configured_like_the_first(run: Run) -> None:
    first = [r.event for r in run.server.received if r.connection == 0]
    second = second_connection(run.server)
    assert second[0]["type"] == "session.update"
    assert second[0]["session"] == first[0]["session"]


async def test_the_conversation_so_far_is_replayed_to_the_new_session(run: Run) -> None:
    items = [e["item"] for e in second_connection(run.server) if e["type"] == "conversation.item.create"]
    lines = [(i["role"], i["content"][0]["text"]) for i in items]  # type: ignore[index]
    assert lines == [("user", "first question"), ("assistant", "First answer.")]


async def test_the_turn_after_the_drop_gets_its_reply(run: Run) -> None:
    second = run.server.responses[-1]
    assert audio_out(run.out).endswith(bytes(second.audio))
    reconnects = [m.values["reconnects"] for m in of_type(run.out, MetricsFrame) if "reconnects" in m.values]
    assert reconnects == [1.0]
    assert run.errors.codes == [], [str(e.error) for e in run.errors.events]


async def test_when_the_provider_stays_away_the_node_reports_connection_failed() -> None:
    async with FakeRealtimeServer(SCRIPT) as server:
        options = {"reconnect_attempts": 2, "reconnect_backoff_s": 0.01}
        node = OpenAIRealtimeS2S(url=server.url, api_key=None, options=options)
        async with Runtime(Graph.chain(node)) as rt:
            errors = ErrorLog(rt)
            await server.shut_down()
            await server.wait_for(lambda: bool(errors.codes))
    assert errors.codes == [ErrorCode.CONNECTION_FAILED]
