"""The official deepgram-sdk (7.17) against the fake: documented messages, parsed by the SDK's own types."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.fakes.deepgram_server import DeepgramFaults, FakeDeepgramServer
from tests.speech import with_pauses, word_accuracy

deepgram = pytest.importorskip("deepgram", reason="sdk-check extra")  # the venv has it; CI without it skips
from deepgram import AsyncDeepgramClient  # noqa: E402
from deepgram.core.api_error import ApiError  # noqa: E402
from deepgram.listen.v1.types import (  # noqa: E402
    ListenV1Metadata,
    ListenV1Results,
    ListenV1SpeechStarted,
    ListenV1UtteranceEnd,
)
from deepgram.listen.v2.types import ListenV2ConfigureSuccess, ListenV2Connected, ListenV2TurnInfo  # noqa: E402

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    # The SDK imports websockets' legacy client and InvalidStatusCode, deprecated in websockets 14+.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
SENTENCE = "What is the weather like in Paris tomorrow?"
KEY = "dg-test-key"


@pytest.fixture(scope="module")
def speech() -> NDArray[np.int16]:
    pcm, _ = with_pauses([0.5, SENTENCE, 1.6], engine="piper")
    return pcm


async def _stream(sock: Any, pcm: NDArray[np.int16], pace_s: float = 0.0) -> None:
    for i in range(0, len(pcm), 640):  # 40 ms chunks
        await sock.send_media(pcm[i : i + 640].tobytes())
        await asyncio.sleep(pace_s)


async def _collect(sock: Any, into: list[Any]) -> None:
    async for message in sock:
        into.append(message)


async def test_listen_v1_gives_interim_and_final_results_speech_events_and_metadata(
    speech: NDArray[np.int16],
) -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        client = AsyncDeepgramClient(api_key=KEY, environment=server.environment())
        got: list[Any] = []
        async with client.listen.v1.connect(
            model="nova-3", encoding="linear16", sample_rate="16000", interim_results="true",
            endpointing="300", utterance_end_ms="1000", vad_events="true",
        ) as sock:  # fmt: skip
            reader = asyncio.create_task(_collect(sock, got))
            await _stream(sock, speech)
            await sock.send_keep_alive()
            await sock.send_close_stream()
            await asyncio.wait_for(reader, 30)
    assert isinstance(got[0], ListenV1SpeechStarted)
    results = [m for m in got if isinstance(m, ListenV1Results)]
    assert any(r.is_final is False for r in results), "interim results"
    finals = [r for r in results if r.is_final and r.channel.alternatives[0].transcript]
    assert len(finals) == 1 and finals[0].speech_final is True
    alt = finals[0].channel.alternatives[0]
    assert word_accuracy(SENTENCE, alt.transcript) >= 0.7
    assert [w.punctuated_word for w in alt.words] == alt.transcript.split()
    assert any(isinstance(m, ListenV1UtteranceEnd) for m in got)
    assert isinstance(got[-1], ListenV1Metadata) and got[-1].duration == pytest.approx(len(speech) / 16000)
    starts = [r.start for r in results if r.is_final]
    assert starts == sorted(starts)


async def test_listen_v1_finalize_returns_a_result_marked_from_finalize(speech: NDArray[np.int16]) -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        client = AsyncDeepgramClient(api_key=KEY, environment=server.environment())
        async with client.listen.v1.connect(
            model="nova-3", encoding="linear16", sample_rate="16000", endpointing="false"
        ) as sock:
            await _stream(sock, speech[: int(2.2 * 16000)])  # mid-sentence: no endpoint yet
            await sock.send_finalize()
            result = await asyncio.wait_for(sock.recv(), 20)
            await sock.send_close_stream()
    assert isinstance(result, ListenV1Results)
    assert result.is_final and result.from_finalize and result.channel.alternatives[0].transcript
    assert server.received("Finalize") and server.received("CloseStream")


async def test_an_idle_v1_socket_is_closed_with_1011_net_0001() -> None:
    from websockets.exceptions import ConnectionClosed

    async with FakeDeepgramServer(api_key=KEY, idle_timeout_s=0.5) as server:
        client = AsyncDeepgramClient(api_key=KEY, environment=server.environment())
        async with client.listen.v1.connect(model="nova-3", encoding="linear16", sample_rate="16000") as sock:
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(sock.recv(), 5)
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (1011, "NET-0001")


async def test_keepalive_keeps_an_idle_v1_socket_open() -> None:
    async with FakeDeepgramServer(api_key=KEY, idle_timeout_s=0.5) as server:
        client = AsyncDeepgramClient(api_key=KEY, environment=server.environment())
        async with client.listen.v1.connect(model="nova-3", encoding="linear16", sample_rate="16000") as sock:
            for _ in range(6):
                await sock.send_keep_alive()
                await asyncio.sleep(0.2)
            await sock.send_close_stream()
            last = await asyncio.wait_for(sock.recv(), 5)
    assert isinstance(last, ListenV1Metadata)
    assert server.sessions[0].closed_by == "server"


@pytest.mark.parametrize(
    ("key", "params", "faults", "status"),
    [
        ("wrong", {}, None, 401),
        (KEY, {"utterance_end_ms": "500", "interim_results": "true"}, None, 400),
        (KEY, {}, DeepgramFaults(status_500=1), 500),
        (KEY, {}, DeepgramFaults(refuse=1), 503),
    ],
)
async def test_refused_handshakes_raise_the_sdk_api_error_with_the_status(
    key: str, params: dict[str, str], faults: DeepgramFaults | None, status: int
) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=faults) as server:
        client = AsyncDeepgramClient(api_key=key, environment=server.environment())
        with pytest.raises(ApiError) as info:
            v1 = client.listen.v1
            async with v1.connect(model="nova-3", encoding="linear16", sample_rate="16000", **params):
                pass
    assert info.value.status_code == status


async def test_listen_v2_flux_runs_the_documented_turn_state_machine(speech: NDArray[np.int16]) -> None:
    pcm, _ = with_pauses([0.4, "Book a table for two", 0.5, "at eight tonight please.", 1.3], engine="piper")
    async with FakeDeepgramServer(api_key=KEY) as server:
        client = AsyncDeepgramClient(api_key=KEY, environment=server.environment())
        got: list[Any] = []
        async with client.listen.v2.connect(
            model="flux-general-en", encoding="linear16", sample_rate="16000",
            eager_eot_threshold="0.4", eot_threshold="0.8",
        ) as sock:  # fmt: skip
            reader = asyncio.create_task(_collect(sock, got))
            await sock.send_configure({"type": "Configure", "thresholds": {"eot_threshold": 0.9}})
            await _stream(sock, pcm)
            await sock.send_close_stream()
            await asyncio.wait_for(reader, 30)
    assert isinstance(got[0], ListenV2Connected)
    assert [m.sequence_id for m in got] == list(range(len(got)))
    assert any(isinstance(m, ListenV2ConfigureSuccess) and m.thresholds.eot_threshold == 0.9 for m in got)
    turns = [m for m in got if isinstance(m, ListenV2TurnInfo)]
    events = [t.event for t in turns if t.event != "Update"]
    assert events == ["StartOfTurn", "EagerEndOfTurn", "TurnResumed", "EagerEndOfTurn", "EndOfTurn"]
    assert any(t.event == "Update" for t in turns)
    eager = [t for t in turns if t.event == "EagerEndOfTurn"]
    end = turns[-1]
    assert end.transcript == eager[-1].transcript, "EndOfTurn repeats the last EagerEndOfTurn transcript"
    assert end.trigger == "model" and end.turn_index == 0
    assert word_accuracy("Book a table for two at eight tonight please.", end.transcript) >= 0.7
    assert all(t.transcript for t in eager)


async def test_listen_v2_bad_thresholds_are_refused_with_400() -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        client = AsyncDeepgramClient(api_key=KEY, environment=server.environment())
        with pytest.raises(ApiError) as info:
            async with client.listen.v2.connect(model="flux-general-en", eager_eot_threshold="0.1"):
                pass
    assert info.value.status_code == 400


async def test_a_stalled_fake_takes_audio_and_answers_nothing(speech: NDArray[np.int16]) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=DeepgramFaults(stall=True)) as server:
        client = AsyncDeepgramClient(api_key=KEY, environment=server.environment())
        async with client.listen.v1.connect(model="nova-3", encoding="linear16", sample_rate="16000") as sock:
            await _stream(sock, speech)
            await sock.send_finalize()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(sock.recv(), 1.5)
    assert server.sessions[0].audio_bytes == len(speech) * 2 and server.received("Finalize")
