"""The OpenAI realtime S2S node against the fake realtime server behind the WebSocket fault proxy."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import ErrorLog, of_type, push_utterance
from voicegraph.framework import ErrorCode, Graph, Runtime
from voicegraph.framework.frames import Frame, ResponseEndFrame, UserStoppedSpeakingFrame
from voicegraph.processors.s2s import OpenAIRealtimeS2S
from voicegraph.testing import Fault, FaultRule, FaultSchedule, WebSocketFaultProxy

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

SCRIPT = RealtimeScript(
    [
        ScriptedTurn(reply="First answer.", transcript="first question"),
        ScriptedTurn(reply="Second answer.", transcript="second question"),
    ]
)
TURN_BOUND_S = 10.0


@contextlib.asynccontextmanager
async def s2s(
    schedule: FaultSchedule, **options: Any
) -> AsyncIterator[tuple[FakeRealtimeServer, WebSocketFaultProxy, Runtime, ErrorLog, list[Frame]]]:
    async with FakeRealtimeServer(SCRIPT) as server:
        upstream = server.url.rsplit("/v1", 1)[0]
        async with WebSocketFaultProxy(upstream, schedule=schedule) as proxy:
            node = OpenAIRealtimeS2S(
                url=proxy.url + "/v1/realtime",
                api_key=None,
                options={
                    "reconnect_backoff_s": 0.05,
                    "open_timeout_s": 2.0,
                    "setup_timeout_s": 2.0,
                    **options,
                },
            )
            async with Runtime(Graph.chain(node)) as rt:
                yield server, proxy, rt, ErrorLog(rt), rt.collect()


async def answered(out: list[Frame], n: int) -> bool:
    with anyio.move_on_after(TURN_BOUND_S):
        while len(of_type(out, ResponseEndFrame)) < n:  # noqa: ASYNC110 - polling collected frames
            await anyio.sleep(0.02)
        return True
    return False


# What the fake sends for one turn: 1 session.created, 2 session.updated, 3 speech_started,
# 4 speech_stopped, 5 committed, 6-7 conversation.item, 8 response.created, 9-12 reply
# items and the first transcript delta, 13... audio deltas, then response.done.
SPEECH_STOPPED, RESPONSE_CREATED, MID_REPLY = 4, 8, 20


async def cut_first_turn_at(n: int) -> tuple[list[ErrorCode], list[Frame], bool, int]:
    """Cut the connection at server message `n` of the first turn, then ask a second turn."""
    schedule = FaultSchedule(rules=(FaultRule(operation="message<", fault=Fault.CLOSE, at=(n,)),))
    async with s2s(schedule) as (server, proxy, rt, errors, out):
        await push_utterance(rt, "first question")
        await server.wait_for(lambda: len(server.connections) == 2, timeout=TURN_BOUND_S)
        first = await answered(out, 1) or bool(errors.codes)
        ends = len(of_type(out, ResponseEndFrame))
        await push_utterance(rt, "second question")
        assert await answered(out, ends + 1)
    assert proxy.schedule.injected == {"message:close": 1}
    return errors.codes, out, first, ends


async def test_a_cut_while_the_user_speaks_is_a_coded_error_and_ends_the_turn() -> None:
    codes, out, first, ends = await cut_first_turn_at(SPEECH_STOPPED)
    assert codes == [ErrorCode.CONNECTION_FAILED] and first and ends == 0
    assert len(of_type(out, UserStoppedSpeakingFrame)) >= 1


async def test_a_cut_before_the_reply_starts_asks_the_new_session_for_it() -> None:
    codes, _, first, ends = await cut_first_turn_at(RESPONSE_CREATED)
    assert codes == [] and first and ends == 1


async def test_a_cut_mid_reply_ends_that_reply_and_the_next_turn_is_answered() -> None:
    codes, _, first, ends = await cut_first_turn_at(MID_REPLY)
    assert codes == [] and first and ends == 1


async def test_refused_reconnects_end_in_connection_failed_within_the_bound() -> None:
    schedule = FaultSchedule(rules=(FaultRule(operation="connect", fault=Fault.REFUSE, at=(2, 3, 4)),))
    async with s2s(schedule, reconnect_attempts=3) as (server, proxy, _rt, errors, _):
        await server.wait_for(lambda: bool(server.connections))
        proxy.cut_all()
        await server.wait_for(lambda: bool(errors.codes), timeout=TURN_BOUND_S)
    assert errors.codes == [ErrorCode.CONNECTION_FAILED]


async def test_a_stalled_handshake_fails_with_a_timeout_code() -> None:
    schedule = FaultSchedule(rules=(FaultRule(operation="connect", fault=Fault.STALL, at=(1,)),), stall_s=30)
    with anyio.fail_after(TURN_BOUND_S), pytest.raises(Exception) as err:
        async with s2s(schedule, reconnect_attempts=0):
            pass
    codes = {getattr(e, "code", None) for e in _leaves(err.value)}
    assert codes & {ErrorCode.CONNECTION_TIMEOUT, ErrorCode.TIMEOUT}, codes


async def test_a_truncated_event_is_reported_as_a_coded_error_and_the_reply_goes_on() -> None:
    schedule = FaultSchedule(rules=(FaultRule(operation="message<", fault=Fault.TRUNCATE, at=(15,)),))
    async with s2s(schedule) as (_, _, rt, errors, out):
        await push_utterance(rt, "first question")
        assert await answered(out, 1)
    assert errors.codes == [ErrorCode.PROTOCOL_ERROR]


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for e in exc.exceptions for leaf in _leaves(e)]
    return [exc]
