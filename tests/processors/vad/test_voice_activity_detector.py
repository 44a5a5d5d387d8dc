"""The VAD node in a running graph: events, audio pass-through, clock dating, barge-in, drain."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.speech import with_pauses
from voicegraph.framework import ErrorEvent, Graph, InterruptEvent, Processor, Runtime, VirtualClock
from voicegraph.framework.errors import ErrorCode
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.vad import VADParams, VoiceActivityDetector

PCM16 = AudioFormat(16000, 1, SampleFormat.S16)
CHUNK_NS = 20_000_000
Speech = tuple[NDArray[np.int16], list[tuple[float, float]]]


@pytest.fixture(scope="module")
def two_phrases() -> Speech:
    return with_pauses([0.4, "Please call me back tomorrow", 0.9, "Goodbye for now", 0.6], noise_rms=30.0)


class Relay(Processor):
    """Handles nothing: every frame passes through (a head in front of the VAD)."""


async def play(
    rt: Runtime, clock: VirtualClock, pcm: NDArray[np.int16], fmt: AudioFormat = PCM16
) -> list[InputAudioFrame]:
    """Push `pcm` in 20 ms frames, advancing the virtual clock by each frame's duration."""
    step = fmt.rate * fmt.channels // 50
    frames = []
    for i in range(0, len(pcm) - step + 1, step):
        clock.advance(CHUNK_NS)
        frame = InputAudioFrame(data=pcm[i : i + step].tobytes(), format=fmt)
        frames.append(frame)
        await rt.push(frame)
    return frames


def speaking_events(out: list[Frame]) -> list[Frame]:
    return [f for f in out if isinstance(f, UserStartedSpeakingFrame | UserStoppedSpeakingFrame)]


@pytest.mark.anyio
@pytest.mark.parametrize("engine", ["silero", "webrtc", "energy"])
async def test_node_emits_a_start_and_a_stop_per_utterance(engine: str, two_phrases: Speech) -> None:
    clock = VirtualClock()
    async with Runtime(
        Graph.chain(VoiceActivityDetector(engine=engine), input_format=PCM16), clock=clock
    ) as rt:
        out = rt.collect()
        await play(rt, clock, two_phrases[0])
    kinds = [type(f) for f in speaking_events(out)]
    assert kinds == [UserStartedSpeakingFrame, UserStoppedSpeakingFrame] * 2


@pytest.mark.anyio
async def test_node_forwards_every_audio_frame_unchanged(two_phrases: Speech) -> None:
    clock = VirtualClock()
    async with Runtime(Graph.chain(VoiceActivityDetector(), input_format=PCM16), clock=clock) as rt:
        out = rt.collect()
        sent = await play(rt, clock, two_phrases[0])
    assert [f for f in out if isinstance(f, InputAudioFrame)] == sent


@pytest.mark.anyio
async def test_stop_frame_dates_speech_end_on_the_graph_clock(two_phrases: Speech) -> None:
    clock = VirtualClock()
    async with Runtime(Graph.chain(VoiceActivityDetector(), input_format=PCM16), clock=clock) as rt:
        out = rt.collect()
        await play(rt, clock, two_phrases[0])
    ends = [f.speech_end_ns / 1e9 for f in out if isinstance(f, UserStoppedSpeakingFrame)]
    truth = [end for _, end in two_phrases[1]]
    assert np.allclose(ends, truth, atol=0.1)


@pytest.mark.anyio
async def test_start_frame_dates_speech_start_on_the_graph_clock(two_phrases: Speech) -> None:
    clock = VirtualClock()
    async with Runtime(Graph.chain(VoiceActivityDetector(), input_format=PCM16), clock=clock) as rt:
        out = rt.collect()
        await play(rt, clock, two_phrases[0])
    starts = [f.speech_start_ns / 1e9 for f in out if isinstance(f, UserStartedSpeakingFrame)]
    truth = [start for start, _ in two_phrases[1]]
    assert np.allclose(starts, truth, atol=0.1)


@pytest.mark.anyio
async def test_stop_frame_is_sent_stop_secs_after_speech_ends(two_phrases: Speech) -> None:
    clock = VirtualClock()
    seen: list[tuple[int, int]] = []
    vad = VoiceActivityDetector(params=VADParams(stop_secs=0.5))
    async with Runtime(Graph.chain(vad, input_format=PCM16), clock=clock) as rt:
        rt.on_output(
            lambda f, _: (
                seen.append((clock.now_ns(), f.speech_end_ns))
                if isinstance(f, UserStoppedSpeakingFrame)
                else None
            )
        )
        await play(rt, clock, two_phrases[0])
    assert len(seen) == 2
    for sent_ns, end_ns in seen:
        assert 0.5 <= (sent_ns - end_ns) / 1e9 <= 0.5 + 0.032 + 0.02


@pytest.mark.anyio
async def test_barge_in_requests_an_interruption_when_the_user_starts(two_phrases: Speech) -> None:
    clock = VirtualClock()
    vad = VoiceActivityDetector(interrupt_on_speech=True)
    reasons: list[str] = []
    async with Runtime(Graph.chain(vad, input_format=PCM16), clock=clock) as rt:
        rt.bus.subscribe(lambda e: reasons.append(e.reason), InterruptEvent)
        await play(rt, clock, two_phrases[0])
    assert reasons == ["user_started_speaking"] * 2


@pytest.mark.anyio
async def test_no_interruption_is_requested_by_default(two_phrases: Speech) -> None:
    clock = VirtualClock()
    reasons: list[str] = []
    async with Runtime(Graph.chain(VoiceActivityDetector(), input_format=PCM16), clock=clock) as rt:
        rt.bus.subscribe(lambda e: reasons.append(e.reason), InterruptEvent)
        await play(rt, clock, two_phrases[0])
    assert reasons == []


@pytest.mark.anyio
async def test_drain_closes_speech_still_open_at_end_of_stream(two_phrases: Speech) -> None:
    pcm, truth = two_phrases
    cut = int((truth[0][0] + 0.8) * 16000)
    clock = VirtualClock()
    async with Runtime(Graph.chain(VoiceActivityDetector(), input_format=PCM16), clock=clock) as rt:
        out = rt.collect()
        await play(rt, clock, pcm[:cut])
    kinds = [type(f) for f in speaking_events(out)]
    assert kinds == [UserStartedSpeakingFrame, UserStoppedSpeakingFrame]


@pytest.mark.anyio
async def test_graph_converts_48k_stereo_input_for_the_vad(two_phrases: Speech) -> None:
    fmt = AudioFormat(48000, 2, SampleFormat.S16)
    pcm = np.repeat(np.repeat(two_phrases[0], 3), 2)  # crude 48 kHz stereo
    clock = VirtualClock()
    async with Runtime(Graph.chain(Relay(), VoiceActivityDetector(), input_format=fmt), clock=clock) as rt:
        out = rt.collect()
        await play(rt, clock, pcm, fmt)
    assert len(speaking_events(out)) == 4


@pytest.mark.anyio
async def test_stereo_audio_without_negotiation_is_reported_as_invalid_input() -> None:
    errors: list[ErrorCode] = []
    stereo = InputAudioFrame(data=bytes(1280), format=AudioFormat(16000, 2, SampleFormat.S16))
    async with Runtime(Graph.chain(VoiceActivityDetector(engine="energy"))) as rt:
        rt.bus.subscribe(lambda e: errors.append(e.error.code), ErrorEvent)
        out = rt.collect()
        await rt.push(stereo)
    assert errors == [ErrorCode.INVALID_INPUT]
    assert stereo in out


def test_declared_latency_is_stop_secs_plus_one_window() -> None:
    vad = VoiceActivityDetector(engine="webrtc", params=VADParams(stop_secs=0.5))
    assert vad.latency.ms == pytest.approx(520.0)


def test_node_is_not_interruptible() -> None:
    assert VoiceActivityDetector.interruptible is False
