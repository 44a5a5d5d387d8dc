"""DeepgramSTT (Nova, /v1/listen) against the local fake Deepgram, on real synthesized speech."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.fakes.deepgram_server import DeepgramFaults, FakeDeepgramServer
from tests.processors.stt.stt_harness import finals, push_speech
from tests.speech import with_pauses, word_accuracy
from voicegraph.framework import EdgeConfig, Graph, Runtime
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    InterimTranscriptFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.stt.deepgram_stt import DeepgramSTT

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(60)]
KEY = "dg-key"
SENTENCE = "Please book a table for four people at seven tonight."
Speech = tuple[NDArray[np.int16], list[tuple[float, float]]]


@pytest.fixture(scope="module")
def utterance() -> Speech:
    return with_pauses([0.5, SENTENCE, 0.8], engine="piper")


def _stt(server: FakeDeepgramServer, **kw: object) -> DeepgramSTT:
    return DeepgramSTT(api_key=KEY, base_url=server.ws_base, **kw)  # type: ignore[arg-type]


async def _run(stt: DeepgramSTT, speech: Speech, *, settle_s: float = 0.0, **kw: object) -> list[Frame]:
    async with Runtime(Graph.chain(stt)) as rt:
        out = rt.collect()
        await push_speech(rt, *speech, turn_end=True, **kw)  # type: ignore[arg-type]
        await asyncio.sleep(settle_s)
        await rt.end()
    return out


async def test_the_vad_stop_sends_finalize_and_the_transcript_precedes_the_turn_end(
    utterance: Speech,
) -> None:
    async with FakeDeepgramServer(api_key=KEY, interim_every_s=0.5) as server:
        # finalize_wait_s: the fake's Whisper shares two busy cores; a live service answers in ~0.1-0.3 s
        out = await _run(_stt(server, finalize_wait_s=5.0), utterance, pace=0.004)
    texts = [f.text for f in finals(out)]
    assert len(texts) == 1 and word_accuracy(SENTENCE, texts[0]) >= 0.7
    kinds = [type(f) for f in out if isinstance(f, (TurnEndFrame,)) or f in finals(out)]
    assert kinds.index(TurnEndFrame) > 0, "the final transcript comes before the turn end"
    assert len(server.received("Finalize")) == 1 and server.received("CloseStream")
    assert any(m.get("from_finalize") for m in server.sent("Results"))
    assert any(isinstance(f, InterimTranscriptFrame) for f in out)


async def test_only_speech_is_streamed_and_keepalive_holds_the_silent_socket_open(utterance: Speech) -> None:
    async with FakeDeepgramServer(api_key=KEY, idle_timeout_s=0.6) as server:
        stt = _stt(server, keepalive_s=0.2)
        out = await _run(stt, utterance, settle_s=1.5)
    assert len(finals(out)) == 1
    assert stt.keepalives >= 4 and len(server.received("KeepAlive")) == stt.keepalives
    assert len(server.sessions) == 1 and server.sessions[0].closed_by == "server", "closed by CloseStream"
    speech_s = utterance[1][0][1] - utterance[1][0][0]
    assert server.sessions[0].audio_bytes / 32000 < speech_s + 1.0, "silence before the speech is not sent"


async def test_without_keepalive_the_silent_socket_is_closed_and_reopened(utterance: Speech) -> None:
    async with FakeDeepgramServer(api_key=KEY, idle_timeout_s=0.3) as server:
        stt = _stt(server, keepalive_s=30.0)
        async with Runtime(Graph.chain(stt)) as rt:
            await asyncio.sleep(0.6)
            out = rt.collect()
            await push_speech(rt, *utterance, turn_end=True)
            await rt.end()
    assert server.sessions[0].closed_by == "idle"
    assert len(server.sessions) >= 2 and len(finals(out)) == 1


async def test_a_socket_dropped_mid_utterance_reconnects_and_the_utterance_completes(
    utterance: Speech,
) -> None:
    faults = DeepgramFaults(drop_after_s=1.0, drops=1)
    async with FakeDeepgramServer(api_key=KEY, faults=faults) as server:
        out = await _run(_stt(server), utterance, pace=0.002)
    assert server.sessions[0].closed_by == "drop" and len(server.sessions) == 2
    texts = [f.text for f in finals(out)]
    assert len(texts) == 1 and word_accuracy(SENTENCE, texts[0]) >= 0.7


@pytest.mark.parametrize("event", ["speech_final", "utterance_end"])
async def test_deepgram_endpointing_or_utterance_end_ends_turns_when_asked(
    utterance: Speech, event: str
) -> None:
    pcm = np.concatenate((utterance[0], np.zeros(16000, np.int16)))  # UtteranceEnd: 1 s after the last word
    async with FakeDeepgramServer(api_key=KEY) as server:
        stt = _stt(server, turn_end_on=event)
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            for i in range(0, len(pcm), 320):  # no VAD frames: everything is streamed
                await rt.push(InputAudioFrame(data=pcm[i : i + 320].tobytes(), format=PCM16K))
            await asyncio.sleep(1.0)
            await rt.end()
    ends = [i for i, f in enumerate(out) if isinstance(f, TurnEndFrame)]
    transcripts = [i for i, f in enumerate(out) if f in finals(out)]
    assert len(ends) == 1 and transcripts and transcripts[0] < ends[0]
    assert not server.received("Finalize")
    assert server.sent("UtteranceEnd") and server.sent("Results")[-1]["speech_final"]


async def test_a_stalled_service_delays_the_turn_end_by_at_most_finalize_wait(utterance: Speech) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=DeepgramFaults(stall=True)) as server:
        stt = _stt(server, finalize_wait_s=0.3)
        async with Runtime(Graph.chain(stt)) as rt:
            out = rt.collect()
            await push_speech(rt, *utterance)
            t0 = time.perf_counter()
            await rt.push(TurnEndFrame())
            await server.wait_for(lambda: any(isinstance(f, TurnEndFrame) for f in out), timeout=3.0)
            waited = time.perf_counter() - t0
            await rt.end()
    assert 0.2 <= waited < 1.5 and not finals(out)
    assert server.received("Finalize"), "the Finalize went out; nothing came back"


def test_a_missing_api_key_is_a_config_error_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_DG_KEY", raising=False)
    with pytest.raises(VoiceError) as info:
        DeepgramSTT(api_key_env="MY_DG_KEY")
    assert info.value.code is ErrorCode.INVALID_CONFIG
    assert "api_key" in info.value.message and "MY_DG_KEY" in info.value.message


def test_the_key_comes_from_the_named_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_DG_KEY", "k")
    stt = DeepgramSTT(api_key_env="MY_DG_KEY", base_url="ws://127.0.0.1:9", keyterms=["voicegraph"])
    assert stt.url.startswith("ws://127.0.0.1:9/v1/listen?model=nova-3")
    assert (
        "endpointing=300" in stt.url and "interim_results=true" in stt.url and "keyterm=voicegraph" in stt.url
    )


@pytest.mark.parametrize(("faults", "key", "code"), [
    (None, "wrong", ErrorCode.AUTHENTICATION_FAILED),
    (DeepgramFaults(status_500=-1), KEY, ErrorCode.CONNECTION_FAILED),
])  # fmt: skip
async def test_a_refused_handshake_fails_the_start_with_its_code(
    faults: DeepgramFaults | None, key: str, code: ErrorCode
) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=faults) as server:
        with pytest.raises(VoiceError) as info:
            async with Runtime(Graph.chain(DeepgramSTT(api_key=key, base_url=server.ws_base))):
                pass
    assert _code(info.value) is code


def _code(exc: BaseException) -> ErrorCode | None:
    while exc is not None and not isinstance(exc, VoiceError):
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return exc.code if exc is not None else None


async def test_reconnects_that_all_fail_are_reported_on_the_bus(utterance: Speech) -> None:
    faults = DeepgramFaults(drop_after_s=0.6, drops=1)
    async with FakeDeepgramServer(api_key=KEY, faults=faults) as server:
        stt = _stt(server, reconnects=2)
        errors: list[ErrorEvent] = []
        async with Runtime(Graph.chain(stt)) as rt:
            rt.bus.subscribe(lambda e: errors.append(e) if isinstance(e, ErrorEvent) else None)
            faults.refuse = -1
            await push_speech(rt, *utterance, turn_end=True)
            await asyncio.sleep(1.0)
            await rt.end()
    assert [e.error.code for e in errors] == [ErrorCode.CONNECTION_FAILED]


async def test_a_stop_that_overtakes_queued_audio_finalizes_only_after_that_audio(utterance: Speech) -> None:
    pcm, _ = utterance
    async with FakeDeepgramServer(api_key=KEY) as server:
        graph = Graph()
        # Room for the whole utterance; the fake hears it all at once (a backlog), so the
        # turn end may wait longer for the Finalize answer than on a live call.
        graph.add(_stt(server, finalize_wait_s=10.0), edge=EdgeConfig(capacity=200))
        async with Runtime(graph) as rt:
            out = rt.collect()
            await rt.push(UserStartedSpeakingFrame())
            for i in range(0, len(pcm), 320):
                await rt.push(InputAudioFrame(data=pcm[i : i + 320].tobytes(), format=PCM16K))
            await rt.push(UserStoppedSpeakingFrame())  # system frame: overtakes the queued audio
            await rt.push(TurnEndFrame())
            await rt.end()
    order = [
        type(f) for f in out if isinstance(f, TurnEndFrame) or (isinstance(f, TranscriptFrame) and f.final)
    ]
    assert order == [TranscriptFrame, TurnEndFrame]
    assert word_accuracy(SENTENCE, finals(out)[0].text) >= 0.7
