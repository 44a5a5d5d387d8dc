"""CartesiaTTS against the fake Cartesia behind the WebSocket fault proxy: replies end, errors are coded."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
import pytest

from tests.fakes.cartesia_server import API_KEY, FakeCartesia
from tests.processors.tts.tts_harness import audio, reply
from voicegraph.framework import ErrorCode, Graph, Runtime
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.frames import Frame, LLMResponseEndFrame
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS
from voicegraph.testing import Fault, FaultRule, FaultSchedule, WebSocketFaultProxy

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

# Per reply: the node's done timeout plus a reconnect, with a margin.
REPLY_BOUND_S = 6.0


@pytest.fixture(autouse=True)
def cartesia_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", API_KEY)


@contextlib.asynccontextmanager
async def tts_behind(schedule: FaultSchedule) -> AsyncIterator[tuple[CartesiaTTS, WebSocketFaultProxy]]:
    async with FakeCartesia() as fake, WebSocketFaultProxy(fake.ws_url, schedule=schedule) as proxy:
        yield CartesiaTTS(base_url=proxy.url, done_timeout_s=2.0, sample_rate=16000), proxy


async def say(texts: list[str], schedule: FaultSchedule) -> tuple[list[Frame], list[ErrorCode], CartesiaTTS]:
    """One reply per text, each bounded; returns the frames out and the bus error codes."""
    errors: list[ErrorEvent] = []
    async with tts_behind(schedule) as (tts, _), Runtime(Graph.chain(tts)) as rt:
        rt.bus.subscribe(errors.append, ErrorEvent)
        out = rt.collect()
        for n, text in enumerate(texts, 1):
            await reply(rt, text)
            with anyio.fail_after(REPLY_BOUND_S):
                while sum(isinstance(f, LLMResponseEndFrame) for f in out) < n:  # noqa: ASYNC110 - polling
                    await anyio.sleep(0.02)
        await rt.end()
    return out, [e.error.code for e in errors], tts


async def test_a_truncated_audio_message_is_a_coded_error_and_the_reply_ends() -> None:
    schedule = FaultSchedule(rules=(FaultRule(operation="message<", fault=Fault.TRUNCATE, at=(2,)),))
    out, codes, _ = await say(["A reply with one garbled chunk of audio in it."], schedule)
    assert codes == [ErrorCode.PROTOCOL_ERROR]
    assert audio(out)


async def test_a_connection_cut_mid_reply_ends_it_and_the_next_reply_reconnects() -> None:
    schedule = FaultSchedule(rules=(FaultRule(operation="message<", fault=Fault.CLOSE, at=(3,)),))
    out, codes, tts = await say(
        ["This reply is cut off by the network.", "This one arrives whole."], schedule
    )
    assert tts.connects == 2 and set(codes) <= {ErrorCode.CONNECTION_FAILED, ErrorCode.TIMEOUT}
    assert [f.text for f in audio(out) if f.text][-1] == "This one arrives whole."


async def test_five_percent_random_faults_end_every_reply_with_only_coded_errors() -> None:
    schedule = FaultSchedule.uniform(
        0.05,
        {
            "message": (Fault.DROP, Fault.TRUNCATE, Fault.REORDER, Fault.DELAY, Fault.CLOSE),
            "connect": (Fault.REFUSE,),
        },
        seed=18,
        delay_s=0.2,
    )
    texts = [f"Reply number {n} is a short sentence." for n in range(8)]
    out, codes, _ = await say(texts, schedule)
    assert sum(isinstance(f, LLMResponseEndFrame) for f in out) == len(texts)
    assert all(isinstance(c, ErrorCode) for c in codes)
    assert schedule.total_injected > 0
