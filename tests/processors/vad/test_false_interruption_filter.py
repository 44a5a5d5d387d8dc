"""False interruptions (issue 19): a backchannel or a noise pauses the bot, which resumes."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np
import pytest

from tests.processors.vad.barge_in_set import barge_words
from tests.speech import synthesize
from tests.transports.nodes import tone
from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    Frame,
    InterruptFrame,
    OutputAudioFrame,
    TranscriptFrame,
    TTSAudioFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.control import TurnEndFrame
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.processors.vad.false_interruption_filter import FalseInterruptionFilter, is_backchannel
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = pytest.mark.anyio
MS = 1_000_000


@dataclass
class Session:
    clock: VirtualClock
    rt: Runtime
    client: MemoryTransport
    judge: FalseInterruptionFilter
    outs: list[Frame] = field(default_factory=list)

    def collect(self) -> list[Frame]:
        """Everything the output emitted so far (the memory transport hands it out once)."""
        self.outs += self.client.outputs_nowait()
        return self.outs

    def chunks(self) -> list[OutputAudioFrame]:
        return [f for f in self.collect() if isinstance(f, OutputAudioFrame)]


@contextlib.asynccontextmanager
async def bot_speaking(reply_ms: float = 1000) -> AsyncIterator[Session]:
    """A 1 s bot reply playing from t=0 through the filter into the output."""
    clock = VirtualClock()
    client = MemoryTransport()
    judge = FalseInterruptionFilter()
    graph = Graph.chain(client.input(), judge, client.output())
    async with clock.autojump(), Runtime(graph, clock=clock) as rt:
        await rt.push(TTSAudioFrame(data=tone(reply_ms), format=PCM16K))
        await clock.sleep(0.3)
        yield Session(clock, rt, client, judge)


def interrupted(s: Session) -> bool:
    return any(isinstance(f, InterruptFrame) for f in s.collect())


async def test_a_backchannel_pauses_the_bot_which_then_plays_the_whole_reply() -> None:
    async with bot_speaking() as s:
        await s.rt.push(UserStartedSpeakingFrame())
        await s.clock.sleep(0.3)
        await s.rt.push(UserStoppedSpeakingFrame())
        await s.rt.push(TranscriptFrame(text="Mm-hmm."))
        await s.rt.push(TurnEndFrame())
        await s.clock.sleep(1.0)
    chunks = s.chunks()
    assert sum(len(c.data) for c in chunks) == len(tone(1000))  # nothing dropped
    assert max(b.pts - a.pts for a, b in itertools.pairwise(chunks)) >= 280 * MS  # it paused
    assert not interrupted(s)
    assert s.judge.resumed == 1
    outs = s.collect()
    # nothing after the filter (the user context) hears of it: no reply to "mm-hmm"
    false_start = TranscriptFrame | TurnEndFrame | UserStartedSpeakingFrame | UserStoppedSpeakingFrame
    assert not any(isinstance(f, false_start) for f in outs)


async def test_a_noise_without_transcript_resumes_after_the_timeout() -> None:
    async with bot_speaking() as s:
        await s.rt.push(UserStartedSpeakingFrame())
        await s.clock.sleep(0.1)
        await s.rt.push(UserStoppedSpeakingFrame())
        await s.clock.sleep(2.5)
    assert sum(len(c.data) for c in s.chunks()) == len(tone(1000))
    assert not interrupted(s)


async def test_words_that_are_not_a_backchannel_cut_the_bot() -> None:
    async with bot_speaking() as s:
        await s.rt.push(UserStartedSpeakingFrame())
        await s.clock.sleep(0.3)
        await s.rt.push(UserStoppedSpeakingFrame())
        await s.rt.push(TranscriptFrame(text="Hold on."))
        await s.clock.sleep(1.0)
    assert interrupted(s)
    assert sum(len(c.data) for c in s.chunks()) < len(tone(1000)) // 2
    outs = [type(f).__name__ for f in s.collect() if not isinstance(f, OutputAudioFrame)]
    told = [
        n for n in outs if n in ("UserStartedSpeakingFrame", "UserStoppedSpeakingFrame", "TranscriptFrame")
    ]
    assert told == ["UserStartedSpeakingFrame", "UserStoppedSpeakingFrame", "TranscriptFrame"], outs


async def test_speech_that_goes_on_cuts_the_bot_without_waiting_for_a_transcript() -> None:
    async with bot_speaking() as s:
        await s.rt.push(UserStartedSpeakingFrame())
        await s.clock.sleep(0.7)
        assert interrupted(s)
        assert any(isinstance(f, UserStartedSpeakingFrame) for f in s.collect())  # the start now counts


def test_filter_refuses_non_positive_times() -> None:
    with pytest.raises(VoiceError) as err:
        FalseInterruptionFilter(min_speech_s=0.0)
    assert err.value.code == ErrorCode.INVALID_CONFIG


@pytest.fixture(scope="module")
def whisper() -> WhisperEngine:
    return WhisperEngine()


def _pad(pcm: np.ndarray) -> np.ndarray:
    z = np.zeros(4000, np.int16)
    return np.concatenate((z, pcm, z))


@pytest.mark.parametrize("text", ["Uh-huh.", "Okay."])
def test_whisper_hears_a_spoken_backchannel_as_one(whisper: WhisperEngine, text: str) -> None:
    heard = whisper.transcribe(_pad(synthesize(text, engine="piper"))).text
    assert is_backchannel(heard), heard


def test_whisper_hears_a_short_barge_in_as_words(whisper: WhisperEngine) -> None:
    word = next(w for w in barge_words() if w.label == "piper/1.0/Hold on").pcm
    heard = whisper.transcribe(_pad(word)).text
    assert not is_backchannel(heard), heard


def test_non_lexical_and_backchannel_text_is_told_from_words() -> None:
    assert is_backchannel("") and is_backchannel("[coughs]") and is_backchannel("Mm-hmm, yeah.")
    assert not is_backchannel("Yeah, but what about Friday?")
