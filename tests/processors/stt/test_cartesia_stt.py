"""CartesiaSTT against the fake Cartesia (Whisper behind Ink's wire protocol)."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.cartesia_server import FakeCartesia
from tests.processors.stt.stt_harness import push_speech, run_speech
from tests.speech import with_pauses, word_accuracy
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import Frame, InterimTranscriptFrame, TranscriptFrame, TurnEndFrame
from voicegraph.processors.stt.cartesia_stt import CartesiaSTT

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.timeout(90),
    pytest.mark.usefixtures("cartesia_key"),
]
FIRST, SECOND = "what time does the library open", "thank you very much"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def finals(out: list[Frame]) -> list[str]:
    return [f.text for f in out if type(f) is TranscriptFrame]


async def test_a_turn_gives_its_final_transcript_before_the_turn_end() -> None:
    pcm, segments = with_pauses([0.3, FIRST, 0.8])
    async with FakeCartesia(interim_every_s=0) as fake:
        stt = CartesiaSTT(base_url=fake.ws_url)
        out = await run_speech(stt, pcm, segments, pace=0.004, turn_end=True)
    assert word_accuracy(FIRST, " ".join(finals(out))) > 0.7
    kinds = [type(f) for f in out if type(f) in (TranscriptFrame, TurnEndFrame)]
    assert kinds.index(TurnEndFrame) > kinds.index(TranscriptFrame)
    assert "finalize" in [m.get("command") for m in fake.received("stt")]
    assert fake.handshakes[0]["path"] == "/stt/websocket"


async def test_interim_results_come_as_interim_frames() -> None:
    pcm, segments = with_pauses([0.2, FIRST, 0.6])
    async with FakeCartesia(interim_every_s=0.5) as fake:
        stt = CartesiaSTT(base_url=fake.ws_url)
        out = await run_speech(stt, pcm, segments, pace=0.004, turn_end=True)
    assert any(isinstance(f, InterimTranscriptFrame) for f in out)
    assert finals(out)


async def test_each_turn_is_finalized_on_one_warm_socket() -> None:
    pcm, segments = with_pauses([0.3, FIRST, 1.0, SECOND, 0.8])
    async with FakeCartesia(interim_every_s=0) as fake:
        stt = CartesiaSTT(base_url=fake.ws_url)
        out = await run_speech(stt, pcm, segments, pace=0.004, turn_end=True)
    assert stt.connects == 1
    assert word_accuracy(f"{FIRST} {SECOND}", " ".join(finals(out))) > 0.7
    assert [m.get("command") for m in fake.received("stt") if "command" in m][-1] == "close"


async def test_a_dropped_socket_reconnects_and_the_next_turn_is_heard() -> None:
    first, seg1 = with_pauses([0.2, FIRST, 0.6])
    second, seg2 = with_pauses([0.2, SECOND, 0.6])
    async with FakeCartesia(interim_every_s=0) as fake:
        stt = CartesiaSTT(base_url=fake.ws_url, retry_s=0.05)
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            await push_speech(rt, first[: len(first) // 2], seg1, pace=0.004)
            fake.drop()  # mid-utterance: what was buffered server-side is lost
            await push_speech(rt, second, seg2, pace=0.004, turn_end=True)
            await rt.end()
    assert stt.connects == 2
    assert word_accuracy(SECOND, finals(out)[-1]) > 0.7


def test_a_missing_key_is_a_config_error_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTESIA_API_KEY")
    with pytest.raises(VoiceError) as err:
        CartesiaSTT()
    assert err.value.code is ErrorCode.INVALID_CONFIG and "api_key_env" in err.value.message


async def test_a_stalled_finalize_does_not_hold_the_turn_past_its_timeout() -> None:
    pcm, segments = with_pauses([0.2, SECOND, 0.5])
    async with FakeCartesia(interim_every_s=0) as fake:
        fake.faults.stall_s = 3.0
        stt = CartesiaSTT(base_url=fake.ws_url, finalize_timeout_s=0.3)
        async with Runtime(Graph.chain(stt)) as rt:
            errors: list[ErrorEvent] = []
            rt.bus.subscribe(errors.append, ErrorEvent)
            turn_end = asyncio.Event()
            rt.on_output(lambda f, _: turn_end.set() if isinstance(f, TurnEndFrame) else None)
            await push_speech(rt, pcm, segments, turn_end=True)
            await asyncio.wait_for(turn_end.wait(), 2.0)  # well before the stalled transcript
            await rt.cancel()
    assert ErrorCode.TIMEOUT in {e.error.code for e in errors}


async def test_a_refused_start_is_retried_with_the_audio() -> None:
    pcm, segments = with_pauses([0.2, SECOND, 0.5])
    async with FakeCartesia(interim_every_s=0) as fake:
        fake.faults.refuse_status = 503
        stt = CartesiaSTT(base_url=fake.ws_url)
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            fake.faults.refuse_status = None
            await push_speech(rt, pcm, segments, pace=0.004, turn_end=True)
            await rt.end()
    assert stt.connects == 1 and len(fake.handshakes) == 2
    assert word_accuracy(SECOND, " ".join(finals(out))) > 0.7
