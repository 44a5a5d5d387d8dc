"""Pipecat's CartesiaTTSService in a PipecatService node, on the fake Cartesia."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.cartesia_server import FakeCartesia
from tests.processors.pipecat_service.services import cartesia_tts
from tests.processors.tts.tts_harness import Playout, audio, barge_in_mid_reply, reply, seconds
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.bus import MetricsEvent
from voicegraph.framework.frames import (
    Frame,
    TextFrame,
    TTSAudioFrame,
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(90)]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_reply_comes_back_as_audio_with_its_words_timed() -> None:
    async with FakeCartesia() as fake:
        tts = cartesia_tts(fake.ws_url, sample_rate=16000)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            metrics: list[MetricsEvent] = []
            rt.bus.subscribe(metrics.append, MetricsEvent)
            await reply(rt, "Hello there.", "How are you today?")
            await rt.end()
    assert tts.kind == "tts"
    sent = fake.received("tts")
    said = [m["transcript"].strip() for m in sent if m["transcript"]]
    assert said == ["Hello there.", "How are you today?"]
    assert sent[0]["output_format"]["sample_rate"] == 16000 and len({m["context_id"] for m in sent}) == 1
    assert seconds(out) > 1.5 and {f.format.rate for f in audio(out)} == {16000}
    words = [w for f in audio(out) for w, _ in f.word_times_ms]
    assert words == ["Hello", "there.", "How", "are", "you", "today?"]
    for f in audio(out):
        assert all(0 <= ms <= f.duration_ms for _, ms in f.word_times_ms)
    kinds = [type(f).__name__ for f in out]
    assert kinds[0] == "LLMResponseStartFrame" and "LLMResponseEndFrame" in kinds
    assert any(m.values.get("ttfb_ms", 0) > 0 for m in metrics), "Pipecat's TTFB metric reaches the bus"


async def test_text_outside_a_reply_is_spoken_at_once() -> None:
    async with FakeCartesia() as fake:
        tts = cartesia_tts(fake.ws_url)
        async with Runtime(Graph.chain(tts)) as rt:
            out = rt.collect()
            await rt.push(TextFrame(text="Welcome."))
            await rt.end()
    assert [w for f in audio(out) for w, _ in f.word_times_ms] == ["Welcome."]


async def test_barge_in_reaches_the_service_and_no_stale_audio_gets_past_the_node() -> None:
    async with FakeCartesia(pace=0.2) as fake:
        fake.faults.ignore_cancel = True  # the wire keeps delivering the cancelled context
        tts, playout = cartesia_tts(fake.ws_url), Playout(speed=0.05)
        async with Runtime(Graph.chain(tts, playout)) as rt:
            sent: list[Frame] = []
            rt.observe(tts.name, playout.name, lambda f, _: sent.append(f))
            await barge_in_mid_reply(rt)
            before = len(sent)
            await asyncio.sleep(0.5)  # the cancelled context's chunks keep coming meanwhile
            await reply(rt, "Sorry.")
            await rt.end()
    assert tts.interruptions == 1
    assert [m for m in fake.received("tts") if m.get("cancel")], "Pipecat cancelled the context"
    after = [f for f in sent[before:] if isinstance(f, TTSAudioFrame)]
    assert [w for f in after for w, _ in f.word_times_ms] == ["Sorry."]
    assert sum(f.duration_ns for f in after) / 1e9 < 1.5


async def test_audio_queued_behind_a_slow_playout_at_the_barge_in_is_dropped() -> None:
    async with FakeCartesia() as fake:  # the whole reply arrives at once, far ahead of playout
        tts, playout = cartesia_tts(fake.ws_url), Playout(speed=1.0)
        async with Runtime(Graph.chain(tts, playout)) as rt:
            sent: list[Frame] = []
            rt.observe(tts.name, playout.name, lambda f, _: sent.append(f))
            await barge_in_mid_reply(rt, after_s=0.3)
            before = len(sent)
            await reply(rt, "Sorry.")
            await rt.end()
    after = [f for f in sent[before:] if isinstance(f, TTSAudioFrame)]
    assert [w for f in after for w, _ in f.word_times_ms] == ["Sorry."]
    assert sum(f.duration_ns for f in after) / 1e9 < 1.5


def _stubborn_speaker() -> object:
    """A Pipecat TTS-like processor that ignores interruptions: once asked to speak, it
    streams its context's audio for 2 s whatever happens (a badly behaved third-party
    service; Pipecat's own services cancel their contexts)."""
    from voicegraph.processors.pipecat_service.service_loader import import_pipecat

    import_pipecat()  # first: quiet Pipecat's import-time warnings
    from pipecat.frames.frames import Frame as PipecatFrame
    from pipecat.frames.frames import TTSAudioRawFrame, TTSSpeakFrame
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

    class StubbornSpeaker(FrameProcessor):
        async def process_frame(self, frame: PipecatFrame, direction: FrameDirection) -> None:
            await super().process_frame(frame, direction)
            if isinstance(frame, TTSSpeakFrame):
                self.create_task(self._speak(frame.text))
            else:
                await self.push_frame(frame, direction)

        async def _speak(self, text: str) -> None:
            for _ in range(100):
                await self.push_frame(TTSAudioRawFrame(audio=b"\0" * 640, sample_rate=16000,
                                                       num_channels=1, context_id=text))  # fmt: skip
                await asyncio.sleep(0.02)

    return StubbornSpeaker()


async def test_a_service_that_ignores_the_interruption_still_gets_nothing_stale_past_the_node() -> None:
    from voicegraph.processors.pipecat_service import PipecatService

    node = PipecatService(service=_stubborn_speaker(), kind="tts", sample_rate=16000)
    async with Runtime(Graph.chain(node)) as rt:
        out = rt.collect()
        await rt.push(TextFrame(text="old"))
        await asyncio.sleep(0.3)
        await rt.interrupt("barge-in")
        mark = len(out)
        await rt.push(TextFrame(text="new"))
        await asyncio.sleep(0.3)
        await rt.end()
    assert len(audio(out[:mark])) > 3, "the first reply played until the barge-in"
    assert node.stale_dropped > 3, "the old context kept coming and was dropped"
    late = audio(out[mark:])
    assert late and len(late) < 20, "only the new reply's 0.3 s"
