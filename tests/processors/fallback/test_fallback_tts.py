"""FallbackTTS: Cartesia (the fake, with faults) first, eSpeak (local) second."""

from __future__ import annotations

import asyncio
import base64

import pytest

from tests.fakes.cartesia_server import FakeCartesia
from tests.processors.fallback.waiting import until
from tests.processors.tts.tts_harness import Playout, audio, seconds
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.bus import CustomEvent
from voicegraph.framework.frames import (
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    SentenceFrame,
)
from voicegraph.processors.fallback import HEALTH_EVENT, FallbackTTS
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS
from voicegraph.processors.tts.espeak_tts import EspeakTTS

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(90), pytest.mark.usefixtures("cartesia_key")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def chain(fake: FakeCartesia, **options: float) -> FallbackTTS:
    engines = [CartesiaTTS(base_url=fake.ws_url, sample_rate=22050, open_timeout_s=1.0), EspeakTTS()]
    return FallbackTTS(engines=engines, name="tts", **options)


async def reply(rt: Runtime, out: list[Frame], *sentences: str) -> list[Frame]:
    """Say one reply; return its output frames (start to end)."""
    first = len(out)
    await rt.push(LLMResponseStartFrame())
    for s in sentences:
        await rt.push(SentenceFrame(text=s))
    await rt.push(LLMResponseEndFrame())
    await until(lambda: any(isinstance(f, LLMResponseEndFrame) for f in out[first:]), what="reply end")
    return out[first:]


def cartesia_s(fake: FakeCartesia) -> float:
    """Seconds of audio the fake Cartesia has sent so far (22.05 kHz s16)."""
    return sum(len(base64.b64decode(m.event["data"])) / 2 / 22050 for m in fake.sent_events("chunk"))


def markers(frames: list[Frame]) -> list[str]:
    return [type(f).__name__ for f in frames if isinstance(f, LLMResponseStartFrame | LLMResponseEndFrame)]


async def test_a_refused_engine_hands_every_reply_to_the_local_one() -> None:
    async with FakeCartesia() as fake:
        fake.faults.refuse_status = 503
        tts = chain(fake)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            one = await reply(rt, out, "Hello there.", "How are you?")
            two = await reply(rt, out, "Goodbye now.")
            await rt.end()
    for turn in (one, two):
        assert markers(turn) == ["LLMResponseStartFrame", "LLMResponseEndFrame"]
        assert seconds(turn) > 0.5
    assert cartesia_s(fake) == 0  # eSpeak said it all
    assert [f.text for f in audio(one) if f.text] == ["Hello there.", "How are you?"]
    health = tts.snapshot()["engines"]
    assert health[0]["state"] in ("failed", "probing") and health[0]["last_error"]
    assert health[1]["state"] == "healthy"


async def test_a_stalled_engine_is_left_within_the_reply_without_stale_audio() -> None:
    async with FakeCartesia() as fake:
        tts = chain(fake, attempt_timeout_s=1.0, probe_interval_s=60.0, max_probe_interval_s=60.0)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            fake.faults.stall_s = 1.5  # Cartesia's audio comes, too late
            fake.faults.ignore_cancel = True  # and keeps coming after the chain cancelled it
            turn = await reply(rt, out, "Hello there.", "How are you?")
            done = len(out)
            await until(lambda: cartesia_s(fake) > 0, what="Cartesia's late audio")
            await asyncio.sleep(0.3)
            late = audio(out[done:])
            await rt.end()
    assert markers(turn) == ["LLMResponseStartFrame", "LLMResponseEndFrame"]
    assert [f.text for f in audio(turn) if f.text] == ["Hello there.", "How are you?"]
    assert not late  # the late audio of the left engine never reached the graph
    assert tts.switch_ms and tts.chain.health[0].last_error == "timeout"


async def test_a_500_mid_reply_says_only_what_was_not_spoken() -> None:
    async with FakeCartesia() as fake:
        fake.faults.fail_after_chunks = 3
        tts = chain(fake, probe_interval_s=60.0, max_probe_interval_s=60.0)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            turn = await reply(rt, out, "Hello there my friend.", "The weather is fine today.", "Goodbye.")
            await rt.end()
    texts = [f.text for f in audio(turn) if f.text]
    assert texts == ["Hello there my friend.", "The weather is fine today.", "Goodbye."]  # once each
    assert 0 < cartesia_s(fake) < seconds(turn) - 1.0  # Cartesia began, eSpeak said the rest
    assert markers(turn) == ["LLMResponseStartFrame", "LLMResponseEndFrame"]


async def test_a_recovered_engine_serves_the_next_reply_and_health_says_so() -> None:
    events: list[dict[str, object]] = []
    async with FakeCartesia() as fake:
        fake.faults.refuse_status = 500
        tts = chain(fake, probe_interval_s=0.2, max_probe_interval_s=0.4)
        rt = Runtime(Graph.chain(tts))
        rt.bus.subscribe(lambda e: events.append(e.payload) if e.name == HEALTH_EVENT else None, CustomEvent)
        async with rt:
            out = rt.collect()
            one = await reply(rt, out, "First reply.")
            assert cartesia_s(fake) == 0
            fake.faults.refuse_status = None
            await until(lambda: tts.chain.health[0].state == "healthy", what="recovery")
            probed = cartesia_s(fake)  # the probe's "Hello."
            two = await reply(rt, out, "Second reply.")
            await rt.end()
    assert seconds(one) > 0.3 and probed > 0
    assert cartesia_s(fake) - probed == pytest.approx(seconds(two), abs=0.05)
    states = [e["engines"][0]["state"] for e in events]  # type: ignore[index]
    assert "failed" in states and "probing" in states and states[-1] == "healthy"
    assert tts.chain.health[0].recoveries == 1
    assert tts.snapshot()["active"] == "tts.0:CartesiaTTS"


async def test_barge_in_reaches_the_active_engine_and_no_stale_audio_plays() -> None:
    async with FakeCartesia(pace=0.2) as fake:
        fake.faults.ignore_cancel = True  # the wire still holds the cancelled context's chunks
        tts, playout = chain(fake), Playout(speed=0.05)
        async with Runtime(Graph.chain(tts, playout)) as rt:
            sent: list[Frame] = []
            rt.observe(tts.name, playout.name, lambda f, _: sent.append(f))
            await rt.push(LLMResponseStartFrame())
            await rt.push(
                SentenceFrame(text="This is the start of a rather long answer that goes on and on.")
            )
            await until(lambda: bool(audio(sent)), what="first audio")
            await rt.interrupt("barge-in")
            before = len(sent)
            await rt.push(LLMResponseStartFrame())
            await rt.push(SentenceFrame(text="Sorry."))
            await rt.push(LLMResponseEndFrame())
            await until(
                lambda: any(isinstance(f, LLMResponseEndFrame) for f in sent[before:]), what="reply end"
            )
            await rt.end()
    after = audio(sent[before:])
    assert [f.text for f in after if f.text] == ["Sorry."]
    assert sum(f.duration_ns for f in after) / 1e9 < 1.5  # nothing of the cut reply
    assert [m for m in fake.received("tts") if m.get("cancel")]  # the flush reached Cartesia
    assert tts.chain.health[0].failures == 0  # a barge-in is no engine failure
