"""DeepgramSTT (Nova) against the fake Deepgram behind the WebSocket fault proxy, on real speech."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.fakes.deepgram_server import FakeDeepgramServer
from tests.processors.stt.stt_harness import finals, push_speech
from tests.speech import with_pauses, word_accuracy
from voicegraph.framework import ErrorCode, Graph, Runtime
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.frames import Frame, TurnEndFrame
from voicegraph.processors.stt.deepgram_stt import DeepgramSTT
from voicegraph.testing import Fault, FaultRule, FaultSchedule, WebSocketFaultProxy

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(90)]
KEY = "dg-key"
SENTENCE = "Please book a table for four people at seven tonight."
Speech = tuple[NDArray[np.int16], list[tuple[float, float]]]


@pytest.fixture(scope="module")
def utterance() -> Speech:
    return with_pauses([0.5, SENTENCE, 0.8], engine="piper")


async def listen(speech: Speech, schedule: FaultSchedule) -> tuple[list[Frame], list[ErrorCode], int]:
    """One utterance through the proxy; frames out, bus error codes, and the sessions the fake saw."""
    errors: list[ErrorEvent] = []
    async with (
        FakeDeepgramServer(api_key=KEY) as server,
        WebSocketFaultProxy(server.ws_base, schedule=schedule) as proxy,
    ):
        # finalize_wait_s: the fake's Whisper shares two busy cores (see test_deepgram_stt)
        stt = DeepgramSTT(api_key=KEY, base_url=proxy.url, finalize_wait_s=5.0)
        async with Runtime(Graph.chain(stt)) as rt:
            rt.bus.subscribe(errors.append, ErrorEvent)
            out = rt.collect()
            await push_speech(rt, *speech, turn_end=True, pace=0.002)
            await rt.end()
        sessions = len(server.sessions)
    return out, [e.error.code for e in errors], sessions


async def test_a_connection_cut_mid_utterance_reconnects_and_the_turn_completes(utterance: Speech) -> None:
    # Client messages: audio frames of 20 ms; cut the socket about a second into the speech.
    schedule = FaultSchedule(rules=(FaultRule(operation="message>", fault=Fault.CLOSE, at=(50,)),))
    out, codes, sessions = await listen(utterance, schedule)
    assert sessions == 2 and codes == []
    assert sum(isinstance(f, TurnEndFrame) for f in out) == 1
    texts = [f.text for f in finals(out)]
    assert len(texts) == 1 and word_accuracy(SENTENCE, texts[0]) >= 0.5


async def test_a_garbled_result_is_a_coded_error_and_the_turn_still_ends(utterance: Speech) -> None:
    schedule = FaultSchedule(rules=(FaultRule(operation="message<", fault=Fault.TRUNCATE, rate=1.0),))
    out, codes, _ = await listen(utterance, schedule)
    assert codes and set(codes) == {ErrorCode.PROTOCOL_ERROR}
    assert sum(isinstance(f, TurnEndFrame) for f in out) == 1 and not finals(out)
