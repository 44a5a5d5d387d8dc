"""Barge-in onset: a short first word cuts the bot wherever it falls against the VAD windows.

Issue 12, cause 5: "Wait, stop..." while the bot speaks; with the stock rule (0.2 s of
speech windows) a short "Wait" is missed at some sub-window offsets and the cut only
comes on "stop". The VAD node learns that the bot speaks from the output's
BotStartedSpeakingFrame (sent upstream) and then applies the faster onset rule.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.processors.vad.barge_in_set import RATE, Clip, barge_words, followed_by, noise_clips, scene
from voicegraph.framework import Graph, InterruptEvent, Outbox, Processor, Runtime, VirtualClock, handles
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    Frame,
    InputAudioFrame,
    TextFrame,
)
from voicegraph.processors.vad import VoiceActivityDetector

PCM16 = AudioFormat(RATE, 1, SampleFormat.S16)
STEP = RATE // 50  # 20 ms transport chunks
OFFSETS_MS = range(0, 32, 4)
GAP_S = 0.3
"""Pause between "Wait" and the next word ("Wait, stop")."""


class Playout(Processor):
    """Stands for the output transport: a TextFrame means bot audio starts playing."""

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        await out.send_up(BotStartedSpeakingFrame())


def word(label: str) -> Clip:
    return next(w for w in barge_words() if w.label == label)


async def first_cut_s(pcm: NDArray[np.int16], vad: VoiceActivityDetector) -> float | None:
    """Stream time (s) of the first barge-in interruption while the bot speaks, or None."""
    clock = VirtualClock()
    cuts: list[float] = []
    async with Runtime(Graph.chain(vad, Playout(), input_format=PCM16), clock=clock) as rt:
        rt.bus.subscribe(lambda e: cuts.append(clock.now_ns() / 1e9), InterruptEvent)
        await rt.push(TextFrame(text="The bot is answering."))
        for i in range(0, pcm.size - STEP + 1, STEP):
            clock.advance(20_000_000)
            await rt.push(InputAudioFrame(data=pcm[i : i + STEP].tobytes(), format=PCM16))
    return cuts[0] if cuts else None


@pytest.mark.anyio
@pytest.mark.parametrize("background_rms", [0.0, 30.0])
@pytest.mark.parametrize("label", ["piper/1.0/Hey", "piper/0.75/Wait", "espeak/260/No"])
async def test_short_first_word_cuts_the_bot_at_every_window_offset(
    label: str, background_rms: float
) -> None:
    misses = []
    for offset in OFFSETS_MS:
        stop = word("piper/1.0/Stop")
        pcm, _, next_word_s = followed_by(
            word(label), stop, offset_ms=offset, gap_s=GAP_S, background_rms=background_rms
        )
        cut = await first_cut_s(pcm, VoiceActivityDetector(interrupt_on_speech=True))
        if cut is None or cut >= next_word_s:
            misses.append(offset)
    print(f"{label} over rms {background_rms}: missed at offsets {misses} ms")
    assert misses == []


@pytest.mark.anyio
@pytest.mark.parametrize("background_rms", [0.0, 100.0])
async def test_noises_while_the_bot_speaks_do_not_cut_it(background_rms: float) -> None:
    cutters = []
    for clip in noise_clips():
        pcm, _, _ = scene(clip.pcm, offset_ms=0, background_rms=background_rms)
        if await first_cut_s(pcm, VoiceActivityDetector(interrupt_on_speech=True)) is not None:
            cutters.append(clip.label)
    assert cutters == []


@pytest.mark.anyio
async def test_bot_speaking_frames_pass_the_vad_on_their_way_upstream() -> None:
    left: list[Frame] = []
    graph = Graph.chain(VoiceActivityDetector(engine="energy"), Playout(), input_format=PCM16)
    async with Runtime(graph) as rt:
        rt.on_upstream(lambda f, _: left.append(f))
        await rt.push(TextFrame(text="The bot is answering."))
    assert [type(f) for f in left] == [BotStartedSpeakingFrame]
