"""`voicegraph serve voicegraph/backends/serve_voice_agent_cartesia.yaml`, as shipped, answers.

The example config unchanged (stock agent: local LLM), started cold; only the port, the
store and the health port come from the environment, with the fake Cartesia's URL and
key. The caller asks "What is the capital of France?" over the raw WebSocket protocol.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fakes.cartesia_server import FakeCartesia

from .question import question
from .serve_process import ServeProcess, free_port
from .served_call import READY_S, REPLY_BOUND_S, ServedCall
from .ws_caller import CallRecord, Plan, ws_call

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(300)]
EXAMPLE = Path(__file__).resolve().parents[2] / "voicegraph/backends/serve_voice_agent_cartesia.yaml"


async def _call(workdir: Path) -> tuple[ServedCall[CallRecord], ServeProcess, int]:
    async with FakeCartesia(interim_every_s=0) as fake:
        port = free_port()
        env = {
            "CARTESIA_API_KEY": fake.api_key, "CARTESIA_BASE_URL": fake.ws_url,
            "VOICEGRAPH_PERSISTENCE__URL": "memory://", "VOICEGRAPH_HEALTH__PORT": "0",
        }  # fmt: skip
        server = ServeProcess(EXAMPLE, workdir, port=port, env=env).start()
        try:
            await asyncio.to_thread(server.ready, READY_S)
            record = await ws_call(f"ws://127.0.0.1:{port}", Plan.paced(question()), listen_s=REPLY_BOUND_S)
        finally:
            await asyncio.to_thread(server.stop)
        spoken = sum(1 for m in fake.received("tts") if m.get("transcript"))
        return ServedCall(record, server.tail()), server, spoken


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServedCall[CallRecord], ServeProcess, int]:
    return asyncio.run(_call(tmp_path_factory.mktemp("serve-cartesia-example")))


def test_the_example_config_hears_and_answers_the_first_call(
    outcome: tuple[ServedCall[CallRecord], ServeProcess, int],
) -> None:
    call, _server, spoken = outcome
    assert call.record.heard_question, str(call)
    assert call.record.answered and spoken > 0, str(call)
    assert call.record.bot_text.strip(), str(call)


def test_the_example_config_exits_cleanly(outcome: tuple[ServedCall[CallRecord], ServeProcess, int]) -> None:
    call, server, _ = outcome
    assert server.exited_cleanly, str(call)
