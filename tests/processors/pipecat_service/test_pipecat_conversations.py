"""Whole calls with a barge-in through voicegraph graphs that host Pipecat's own services:
Whisper STT (the wheel's tiny.en), Deepgram STT and Cartesia TTS on voicegraph's fakes, the
OpenAI LLM service on the OpenAI-compatible fake, and the Silero VAD analyzer."""

from __future__ import annotations

import pytest

from tests.fakes.cartesia_server import FakeCartesia
from tests.fakes.deepgram_server import FakeDeepgramServer
from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from tests.processors.pipecat_service.conversation import COUNT, STOPPED, call, check_barge_in
from tests.processors.pipecat_service.services import (
    cartesia_tts,
    deepgram_stt,
    openai_llm,
    silero_vad,
    whisper_stt,
)
from voicegraph.processors.stt.whisper_stt import WhisperSTT

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_pipecat_whisper_stt_hears_both_turns_of_a_call_with_a_barge_in() -> None:
    stt = whisper_stt()
    result = await call(stt=stt)
    assert stt.kind == "stt" and not stt.interruptible
    check_barge_in(result)


# deepgram-sdk imports websockets' legacy InvalidStatusCode (deprecated in websockets 14+) when
# it connects, as in tests/fakes/test_deepgram_fidelity.py.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_pipecat_deepgram_stt_on_the_fake_hears_both_turns_of_a_call_with_a_barge_in() -> None:
    async with FakeDeepgramServer(api_key="dg-key") as server:
        stt = deepgram_stt(server.ws_base, "dg-key")
        result = await call(stt=stt)
    assert server.sessions, "Pipecat's Deepgram client talked to the fake"
    check_barge_in(result)


async def test_pipecat_silero_vad_drives_the_turns_and_the_barge_in() -> None:
    vad = silero_vad(stop_secs=0.2, interrupt_on_speech=True)
    # Pipecat's VAD also gates on loudness (min_volume 0.6), so it confirms speech later than
    # voicegraph's; the STT keeps more audio from before the start.
    result = await call(vad=vad, stt=WhisperSTT(preroll_ms=800))
    assert vad.kind == "vad"
    check_barge_in(result)


async def test_pipecat_openai_llm_on_the_fake_answers_and_is_cut_by_the_barge_in() -> None:
    async with FakeOpenAIChatServer() as server:
        words = COUNT.split(" ")
        server.script(FakeReply(texts=tuple(w + " " for w in words)), FakeReply(texts=(STOPPED,)))
        llm = openai_llm(server.base_url)
        result = await call(llm=llm)
    assert [m["content"] for m in server.requests[1].body["messages"]][-1] == result.history[2]["content"]
    check_barge_in(result)


async def test_pipecat_cartesia_tts_on_the_fake_speaks_and_nothing_stale_plays_after_the_barge_in() -> None:
    async with FakeCartesia() as fake:
        tts = cartesia_tts(fake.ws_url, sample_rate=16000)
        result = await call(tts=tts)
    check_barge_in(result)
    assert result.words_after_barge_in() == [STOPPED]
