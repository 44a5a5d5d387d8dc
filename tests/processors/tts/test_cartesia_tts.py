"""CartesiaTTS against the fake Cartesia: contexts per reply, continue, timestamps, cancel."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.cartesia_server import FakeCartesia
from tests.processors.tts.tts_harness import Playout, audio, barge_in_mid_reply, reply, seconds
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.bus import ErrorEvent, MetricsEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    SentenceFrame,
    TextFrame,
    TTSAudioFrame,
)
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60), pytest.mark.usefixtures("cartesia_key")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_reply_is_one_context_continued_then_closed() -> None:
    async with FakeCartesia() as fake:
        tts = CartesiaTTS(base_url=fake.ws_url, sample_rate=16000)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            await reply(rt, "Hello there.", "How are you today?")
            await rt.end()
    sent = fake.received("tts")
    assert [(m["transcript"], m["continue"]) for m in sent] == [
        ("Hello there. ", True), ("How are you today? ", True), ("", False)
    ]  # fmt: skip
    assert len({m["context_id"] for m in sent}) == 1
    assert sent[0]["output_format"] == {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}
    assert seconds(out) > 1.5 and audio(out)[0].format.rate == 16000
    end_at = next(i for i, f in enumerate(out) if isinstance(f, LLMResponseEndFrame))
    assert end_at > max(i for i, f in enumerate(out) if isinstance(f, TTSAudioFrame))  # after the audio


async def test_timestamps_become_the_played_words_with_each_text() -> None:
    async with FakeCartesia() as fake:
        tts = CartesiaTTS(base_url=fake.ws_url)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            await reply(rt, "Hello there.", "How are you today?")
            await rt.end()
    words = [w for f in audio(out) for w, _ in f.word_times_ms]
    assert words == ["Hello", "there.", "How", "are", "you", "today?"]
    assert [f.text for f in audio(out) if f.text] == ["Hello there.", "How are you today?"]
    second = next(f for f in audio(out) if f.text == "How are you today?")
    assert second.word_times_ms[0][0] == "How"  # the piece starts with its text's first word
    for f in audio(out):
        assert all(0 <= ms <= f.duration_ms for _, ms in f.word_times_ms)


async def test_replies_share_one_warm_socket_with_a_context_each() -> None:
    async with FakeCartesia() as fake:
        tts = CartesiaTTS(base_url=fake.ws_url)
        async with Runtime(Graph.chain(tts)) as rt:
            rt.collect()
            await reply(rt, "First reply.")
            await reply(rt, "Second reply.")
            await rt.end()
    assert tts.connects == 1 and len(fake.handshakes) == 1
    assert len({m["context_id"] for m in fake.received("tts")}) == 2


async def test_plain_text_outside_a_reply_is_its_own_closed_context() -> None:
    async with FakeCartesia() as fake:
        tts = CartesiaTTS(base_url=fake.ws_url)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            await rt.push(TextFrame(text="Welcome."))
            await rt.push(TextFrame(text="Goodbye."))
            await rt.end()
    sent = fake.received("tts")
    assert [m["continue"] for m in sent] == [True, False, True, False]
    assert [f.text for f in audio(out) if f.text] == ["Welcome.", "Goodbye."]


async def test_barge_in_cancels_the_context_and_no_stale_audio_plays() -> None:
    async with FakeCartesia(pace=0.2) as fake:
        fake.faults.ignore_cancel = True  # the wire still holds the cancelled context's chunks
        tts, playout = CartesiaTTS(base_url=fake.ws_url), Playout(speed=0.05)
        async with Runtime(Graph.chain(tts, playout)) as rt:
            out = rt.collect()
            sent: list[Frame] = []
            rt.observe(tts.name, playout.name, lambda f, _: sent.append(f))
            await barge_in_mid_reply(rt)
            before = len(sent)
            await reply(rt, "Sorry.")
            await rt.end()
    cancels = [m for m in fake.received("tts") if m.get("cancel")]
    assert len(cancels) == 1
    after = [f for f in sent[before:] if isinstance(f, TTSAudioFrame)]
    assert [f.text for f in after if f.text] == ["Sorry."]
    assert [w for f in after for w, _ in f.word_times_ms] == ["Sorry."]
    assert sum(f.duration_ns for f in after) / 1e9 < 1.5
    assert tts.stale_dropped > 0  # late chunks of the cancelled context came and were dropped
    assert any(isinstance(f, TTSAudioFrame) for f in out)


async def test_a_dropped_socket_reconnects_for_the_next_reply() -> None:
    async with FakeCartesia() as fake:
        fake.faults.drop_after_chunks = 2
        tts = CartesiaTTS(base_url=fake.ws_url, done_timeout_s=5.0)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            await reply(rt, "This reply is cut off by a network failure somewhere.")
            await reply(rt, "This one arrives whole.")
            await rt.end()
    assert tts.connects == 2
    texts = [f.text for f in audio(out) if f.text]
    assert texts[-1] == "This one arrives whole."
    assert any(isinstance(f, LLMResponseEndFrame) for f in out)


async def test_an_idle_context_is_not_continued_after_its_ttl() -> None:
    async with FakeCartesia(context_ttl_s=0.5) as fake:
        tts = CartesiaTTS(base_url=fake.ws_url, context_ttl_s=0.3)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            await rt.push(LLMResponseStartFrame())
            await rt.push(SentenceFrame(text="Let me check."))
            await asyncio.sleep(0.8)  # a slow tool call: the server expired the context
            await rt.push(SentenceFrame(text="Found it."))
            await rt.push(LLMResponseEndFrame())
            await rt.end()
    assert len({m["context_id"] for m in fake.received("tts")}) == 2
    assert [f.text for f in audio(out) if f.text] == ["Let me check.", "Found it."]
    assert not [e for e in fake.sent_events("error")]


def test_a_missing_key_is_a_config_error_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTESIA_API_KEY")
    with pytest.raises(VoiceError) as err:
        CartesiaTTS(base_url="ws://127.0.0.1:9")
    assert err.value.code is ErrorCode.INVALID_CONFIG and "api_key_env" in err.value.message


async def test_a_wrong_key_fails_the_start_with_an_auth_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "sk_car_wrong")
    async with FakeCartesia() as fake:
        tts = CartesiaTTS(base_url=fake.ws_url, api_key_env="MY_KEY")
        with pytest.raises(Exception) as err:
            async with Runtime(Graph.chain(tts)):
                pass
    codes = [getattr(e, "code", None) for e in _leaves(err.value)]
    assert ErrorCode.AUTHENTICATION_FAILED in codes


async def test_an_unusable_base_url_fails_the_start_with_a_config_code() -> None:
    tts = CartesiaTTS(base_url="ftp://127.0.0.1:9")  # a scheme no WebSocket client can use
    with pytest.raises(Exception) as err:
        async with Runtime(Graph.chain(tts)):
            pass
    errors = [e for e in _leaves(err.value) if isinstance(e, VoiceError)]
    assert any(e.code is ErrorCode.INVALID_CONFIG and "base_url" in e.message for e in errors)


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for e in exc.exceptions for leaf in _leaves(e)]
    return [exc, *([exc.__cause__] if exc.__cause__ else [])]


async def test_a_500_mid_reply_is_reported_and_the_next_reply_reconnects() -> None:
    async with FakeCartesia() as fake:
        fake.faults.fail_after_chunks = 2
        tts = CartesiaTTS(base_url=fake.ws_url)
        async with Runtime(Graph.chain(tts)) as rt:
            errors: list[ErrorEvent] = []
            rt.bus.subscribe(errors.append, ErrorEvent)
            out = rt.collect()
            await reply(rt, "This reply meets a server error after two chunks of audio.")
            await reply(rt, "This one is fine.")
            await rt.end()
    assert {e.error.code for e in errors} >= {ErrorCode.PIPELINE_ERROR, ErrorCode.CONNECTION_FAILED}
    assert tts.connects == 2
    assert [f.text for f in audio(out) if f.text][-1] == "This one is fine."
    assert sum(isinstance(f, LLMResponseEndFrame) for f in out) == 2  # neither reply hangs


async def test_a_refused_warm_up_is_retried_at_the_first_text() -> None:
    async with FakeCartesia() as fake:
        fake.faults.refuse_status = 503
        tts = CartesiaTTS(base_url=fake.ws_url)
        async with Runtime(Graph.chain(tts)) as rt:
            errors: list[ErrorEvent] = []
            rt.bus.subscribe(errors.append, ErrorEvent)
            out = rt.collect()
            fake.faults.refuse_status = None  # the service is back
            await reply(rt, "Back again.")
            await rt.end()
    assert tts.connects == 1 and len(fake.handshakes) == 2
    assert [f.text for f in audio(out) if f.text] == ["Back again."]


async def test_a_stalled_service_delays_the_audio_but_the_reply_completes() -> None:
    async with FakeCartesia() as fake:
        fake.faults.stall_s = 0.5
        tts = CartesiaTTS(base_url=fake.ws_url)
        async with Runtime(Graph.chain(tts)) as rt:
            ttfb: list[float] = []
            rt.bus.subscribe(lambda e: ttfb.append(e.values.get("ttfb_ms", -1.0)), MetricsEvent)
            out = rt.collect()
            await reply(rt, "Slowly now.")
            await rt.end()
    assert [ms for ms in ttfb if ms >= 0] and max(ttfb) >= 500
    assert [f.text for f in audio(out) if f.text] == ["Slowly now."]


async def test_a_stall_past_the_done_timeout_ends_the_reply_and_drops_its_late_audio() -> None:
    async with FakeCartesia() as fake:
        fake.faults.stall_s = 1.0
        tts = CartesiaTTS(base_url=fake.ws_url, done_timeout_s=0.3)
        async with Runtime(Graph.chain(tts)) as rt:
            errors: list[ErrorEvent] = []
            rt.bus.subscribe(errors.append, ErrorEvent)
            out = rt.collect()
            await reply(rt, "Too slow.")
            await asyncio.sleep(1.5)  # the stalled audio arrives after the reply was given up
            await rt.end()
    assert ErrorCode.TIMEOUT in {e.error.code for e in errors}
    assert any(isinstance(f, LLMResponseEndFrame) for f in out) and not audio(out)
    assert tts.stale_dropped > 0


async def test_text_refused_by_an_expired_context_is_said_on_a_new_one() -> None:
    async with FakeCartesia(context_ttl_s=0.3) as fake:  # the service expires sooner than the node
        tts = CartesiaTTS(base_url=fake.ws_url, context_ttl_s=10.0)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            await rt.push(LLMResponseStartFrame())
            await rt.push(SentenceFrame(text="Let me check."))
            await asyncio.sleep(0.8)
            await rt.push(SentenceFrame(text="Found it."))
            await rt.push(LLMResponseEndFrame())
            await rt.end()
    first = fake.received("tts")[0]["context_id"]
    refusals = fake.sent_events("error")  # the text, and the close that followed it
    assert refusals and {e.event["context_id"] for e in refusals} == {first}
    assert [f.text for f in audio(out) if f.text] == ["Let me check.", "Found it."]
    end_at = next(i for i, f in enumerate(out) if isinstance(f, LLMResponseEndFrame))
    assert end_at > max(i for i, f in enumerate(out) if isinstance(f, TTSAudioFrame))
