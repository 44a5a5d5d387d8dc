"""The official `cartesia` SDK (4.2.0), pointed at the fake, gets what Cartesia's docs say.

TTS over `client.tts.websocket_connect()` contexts: chunks of base64 raw audio at the
requested encoding and rate, word timestamps relative to the context's audio, `done`
closing a context after `no_more_inputs`, continuations concatenated, `flush_done`
with increasing `flush_id`, cancel, and `error` events. STT over
`client.stt.manual_finalize.websocket()`: interim and final transcripts, `flush_done`
after `finalize`, `done` after `close`. STT turns over `client.stt.auto_finalize.websocket()`
(`/stt/turns/websocket`): `connected`, then `turn.start`, cumulative `turn.update`,
`turn.eager_end` and `turn.resume` across a pause, `turn.end` with the turn's words.
Auth styles: the SDK's bearer header, Pipecat's `X-API-Key`, the older query string.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import cartesia  # the sdk-check extra
import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.fakes.cartesia_server import FakeCartesia
from tests.speech import synthesize, with_pauses, word_accuracy

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

VOICE = {"id": "6ccbfb76-1fc6-48f7-b71d-91ac6298247b"}
PCM16_24K = {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 24000}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client(fake: FakeCartesia) -> Any:
    return cartesia.AsyncCartesia(
        api_key=fake.api_key, base_url=fake.http_url, websocket_base_url=fake.ws_url
    )


async def collect(ctx: Any) -> list[Any]:
    return [event async for event in ctx.receive()]


async def test_sdk_context_gets_chunks_timestamps_and_done() -> None:
    async with FakeCartesia() as fake, client(fake).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE, output_format=PCM16_24K, add_timestamps=True)
        await ctx.push("Hello there, ")
        await ctx.push("how are you today?")
        await ctx.no_more_inputs()
        events = await asyncio.wait_for(collect(ctx), 30)
    kinds = [e.type for e in events]
    assert kinds[-1] == "done" and "chunk" in kinds and "timestamps" in kinds
    pcm = np.frombuffer(b"".join(e.audio for e in events if e.type == "chunk"), "<i2")
    assert len(pcm) / 24000 > 1.0  # real speech of two clauses
    words = [w for e in events if e.type == "timestamps" for w in e.word_timestamps.words]
    assert words == ["Hello", "there,", "how", "are", "you", "today?"]
    starts = [s for e in events if e.type == "timestamps" for s in e.word_timestamps.start]
    assert starts == sorted(starts) and starts[-1] < len(pcm) / 24000  # one timeline per context
    assert all(e.context_id == ctx._context_id for e in events)


async def test_sdk_sends_the_documented_handshake_and_request() -> None:
    async with FakeCartesia() as fake, client(fake).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE, output_format=PCM16_24K)
        await ctx.push("Hi.")
        await ctx.no_more_inputs()
        await asyncio.wait_for(collect(ctx), 30)
    assert fake.handshakes[0] == {"path": "/tts/websocket", "auth": "bearer", "version": "2026-08-14"}
    first, last = fake.received("tts")
    assert first["continue"] is True and first["transcript"] == "Hi."
    assert last == {**first, "transcript": "", "continue": False}


@pytest.mark.parametrize("encoding", ["pcm_f32le", "pcm_mulaw", "pcm_alaw"])
async def test_sdk_gets_audio_in_the_requested_encoding(encoding: str) -> None:
    fmt = {"container": "raw", "encoding": encoding, "sample_rate": 8000}
    async with FakeCartesia() as fake, client(fake).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE, output_format=fmt)
        await ctx.push("Good morning.", continue_=False)
        events = await asyncio.wait_for(collect(ctx), 30)
    data = b"".join(e.audio for e in events if e.type == "chunk")
    width = 4 if encoding == "pcm_f32le" else 1
    assert 0.4 < len(data) / width / 8000 < 3.0
    if encoding == "pcm_f32le":
        assert np.abs(np.frombuffer(data, "<f4")).max() <= 1.0


async def test_flush_gives_flush_done_with_increasing_ids() -> None:
    async with FakeCartesia() as fake, client(fake).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE, output_format=PCM16_24K)
        await ctx.push("One.", flush=True)
        await ctx.push("Two.", flush=True)
        await ctx.no_more_inputs()
        events = await asyncio.wait_for(collect(ctx), 30)
    assert [e.flush_id for e in events if e.type == "flush_done"] == [1, 2]
    chunk_ids = [e.flush_id for e in events if e.type == "chunk"]
    assert chunk_ids == sorted(chunk_ids) and set(chunk_ids) == {1, 2}


async def test_cancel_stops_the_context() -> None:
    async with FakeCartesia(pace=1.0) as fake, client(fake).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE, output_format=PCM16_24K)
        await ctx.push("This is a long sentence that will be cut off before its end.", continue_=False)
        await asyncio.sleep(0.5)
        await ctx.cancel()
        sent_at_cancel = len(fake.sent_events("chunk"))
        await asyncio.sleep(0.6)
        assert len(fake.sent_events("chunk")) == sent_at_cancel
        assert not fake.sent_events("done")


async def test_a_changed_voice_on_a_context_is_an_error() -> None:
    async with FakeCartesia() as fake, client(fake).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE, output_format=PCM16_24K)
        await ctx.push("Hello.")
        await ctx.push("Again.", voice={"id": "another-voice"})
        events = await asyncio.wait_for(collect(ctx), 30)
    error = next(e for e in events if e.type == "error")
    assert error.status_code == 400 and error.title and error.message


async def test_a_bad_output_format_is_an_error_event() -> None:
    async with FakeCartesia() as fake, client(fake).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE)
        await ctx.push("Hello.", output_format={"container": "raw", "encoding": "pcm_s8", "sample_rate": 1})
        events = await asyncio.wait_for(collect(ctx), 30)
    assert [e.type for e in events] == ["error"]


async def test_an_expired_context_refuses_more_input() -> None:
    async with FakeCartesia(context_ttl_s=0.3) as fake, client(fake).tts.websocket_connect() as conn:
        ctx = conn.context(model_id="sonic-3", voice=VOICE, output_format=PCM16_24K)
        await ctx.push("Hello.")
        await asyncio.sleep(1.0)
        await ctx.push("Still there?")
        events = [e async for e in ctx.receive()]
    assert events[-1].type == "error" and "expired" in events[-1].message


async def test_a_wrong_key_is_refused_with_401() -> None:
    async with FakeCartesia() as fake:
        bad = cartesia.AsyncCartesia(
            api_key="sk_car_wrong", base_url=fake.http_url, websocket_base_url=fake.ws_url
        )
        with pytest.raises(InvalidStatus) as err:
            async with bad.tts.websocket_connect():
                pass
    assert err.value.response.status_code == 401


@pytest.mark.parametrize("style", ["x-api-key", "query"])
async def test_pipecat_auth_styles_are_accepted(style: str) -> None:
    async with FakeCartesia() as fake:
        url, headers = f"{fake.ws_url}/tts/websocket", {}
        if style == "query":
            url += f"?api_key={fake.api_key}&cartesia_version=2024-06-10"
        else:
            headers = {"X-API-Key": fake.api_key, "Cartesia-Version": "2026-03-01"}
        async with connect(url, additional_headers=headers) as ws:
            req = {"model_id": "sonic-3.5", "transcript": "Hi.", "voice": {"mode": "id", "id": "v"},
                   "output_format": PCM16_24K, "context_id": "c1", "continue": False}  # fmt: skip
            await ws.send(json.dumps(req))
            types: list[str] = []
            while not types or types[-1] not in ("done", "error"):
                types.append(json.loads(await asyncio.wait_for(ws.recv(), 30))["type"])
    assert types[-1] == "done" and "chunk" in types
    assert fake.handshakes[0]["auth"] == style


async def test_sdk_stt_gives_interim_and_final_transcripts() -> None:
    pcm = synthesize("what is the weather like in paris today")
    async with FakeCartesia(interim_every_s=1.0) as fake:
        stt = client(fake).stt.manual_finalize.websocket(
            model="ink-whisper", encoding="pcm_s16le", sample_rate=16000, language="en"
        )
        async with stt as conn:
            for at in range(0, len(pcm), 1600):  # 100 ms chunks, as the docs recommend
                await conn.send_raw(pcm[at : at + 1600].tobytes())
            await conn.send("finalize")
            events: list[Any] = []
            while not events or events[-1].type != "flush_done":
                events.append(await asyncio.wait_for(conn.recv(), 30))
            await conn.send("close")
            while events[-1].type != "done":
                events.append(await asyncio.wait_for(conn.recv(), 30))
    transcripts = [e for e in events if e.type == "transcript"]
    assert any(not t.is_final for t in transcripts)
    final = "".join(t.text for t in transcripts if t.is_final)
    assert word_accuracy("what is the weather like in paris today", final) > 0.7
    assert fake.handshakes[0]["path"] == "/stt/websocket"


async def test_stt_finals_concatenate_verbatim() -> None:
    async with FakeCartesia(interim_every_s=0) as fake:
        stt = client(fake).stt.manual_finalize.websocket(
            model="ink-whisper", encoding="pcm_s16le", sample_rate=16000
        )
        async with stt as conn:
            finals = []
            for phrase in ("good morning", "see you tomorrow"):
                await conn.send_raw(synthesize(phrase).tobytes())
                await conn.send("finalize")
                while (e := await asyncio.wait_for(conn.recv(), 30)).type != "flush_done":
                    finals.append(e.text)
    assert len(finals) == 2 and finals[1].startswith(" ") and not finals[0].startswith(" ")
    assert word_accuracy("good morning see you tomorrow", "".join(finals)) > 0.7


async def test_stt_without_encoding_is_an_error() -> None:
    async with FakeCartesia() as fake:
        url = f"{fake.ws_url}/stt/websocket?model=ink-whisper&sample_rate=16000"
        headers = {"X-API-Key": fake.api_key, "Cartesia-Version": "2026-03-01"}
        async with connect(url, additional_headers=headers) as ws:
            event = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert event["type"] == "error" and event["status_code"] == 400


async def test_sdk_generate_gets_the_whole_audio_over_rest() -> None:
    async with FakeCartesia() as fake, client(fake) as sdk:
        response = await sdk.tts.generate(
            model_id="sonic-3", transcript="Hello from the bytes endpoint.", voice=VOICE["id"],
            output_format={"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000},
        )  # fmt: skip
        data = await response.read()
    assert 1.0 < len(data) / 2 / 16000 < 5.0
    assert fake.received("rest")[0]["transcript"] == "Hello from the bytes endpoint."


async def test_sdk_generate_with_a_wrong_key_gets_401() -> None:
    async with FakeCartesia() as fake:
        bad = cartesia.AsyncCartesia(api_key="sk_car_wrong", base_url=fake.http_url)
        async with bad:
            with pytest.raises(cartesia.AuthenticationError):
                await bad.tts.generate(
                    model_id="sonic-3", transcript="Hi.", voice=VOICE["id"],
                    output_format={"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000},
                )  # fmt: skip


async def test_sdk_stt_turns_get_the_documented_events_in_order() -> None:
    said = "Book a table for two at eight tonight please."
    pcm, _ = with_pauses([0.4, "Book a table for two", 0.9, "at eight tonight please.", 1.8], engine="piper")
    async with FakeCartesia(turn_full_s=1.5) as fake:  # eager end after 0.6 s of silence, end after 1.35 s
        stt = client(fake).stt.auto_finalize.websocket(
            model="ink-2", encoding="pcm_s16le", sample_rate=16000, keyterm=["table", "tonight"],
            turn_eager_end_threshold=0.6, turn_end_threshold=0.1,
        )  # fmt: skip
        async with stt as conn:
            for at in range(0, len(pcm), 1600):  # 100 ms chunks, as the docs recommend
                await conn.send_raw(pcm[at : at + 1600].tobytes())
            await conn.send({"type": "close"})
            events = await asyncio.wait_for(collect_turns(conn), 60)
    kinds = [e.type for e in events if e.type != "turn.update"]
    assert kinds == ["connected", "turn.start", "turn.eager_end", "turn.resume", "turn.eager_end", "turn.end"]
    updates = [e.transcript for e in events if e.type == "turn.update" and e.transcript]
    assert updates and len(updates[-1].split()) >= len(updates[0].split()), "updates are cumulative"
    eager = next(e for e in events if e.type == "turn.eager_end")
    assert word_accuracy("Book a table for two", eager.transcript) >= 0.7
    assert word_accuracy(said, events[-1].transcript) >= 0.7
    assert {e.request_id for e in events} == {events[0].request_id}
    assert fake.handshakes[0] == {"path": "/stt/turns/websocket", "auth": "bearer", "version": "2026-08-14"}
    assert fake.turns[0].keyterms == ["table", "tonight"] and fake.turns[0].turn["end_threshold"] == 0.1


async def collect_turns(conn: Any) -> list[Any]:
    return [event async for event in conn]


async def test_sdk_stt_turns_config_out_of_range_is_an_error_event() -> None:
    async with FakeCartesia() as fake:
        stt = client(fake).stt.auto_finalize.websocket(model="ink-2", encoding="pcm_s16le", sample_rate=16000)
        async with stt as conn:
            await conn.send({"type": "config", "turn": {"end_timeout_ms": 500}})
            await conn.send({"type": "config", "turn": {"eager_end_threshold": 0.5}})
            await conn.send({"type": "close"})
            events = await asyncio.wait_for(collect_turns(conn), 30)
    assert [e.type for e in events] == ["connected", "error"] and events[1].status_code == 400
    assert fake.turns[0].turn["eager_end_threshold"] == 0.5, "a valid config applies"
