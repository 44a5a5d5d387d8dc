"""One spoken call with a barge-in, through a voicegraph graph whose parts can be Pipecat
services: the user asks for a count, talks over it ("Stop please."), the bot stops.

Default parts are voicegraph's native ones (Silero VAD, Whisper STT, a scripted agent,
eSpeak TTS); each test swaps in the Pipecat service it checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from tests.speech import normalize_words, with_pauses
from voicegraph.framework import Graph, Processor, Runtime
from voicegraph.framework.bus import InterruptEvent
from voicegraph.framework.frames import Frame, OutputAudioFrame, ReplyPlayedFrame, TTSAudioFrame
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator
from voicegraph.processors.stt.whisper_stt import WhisperSTT
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts.espeak_tts import EspeakTTS
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.transports.memory_transport import MemoryTransport

COUNT = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen."
STOPPED = "Okay."
COUNT_WORDS = normalize_words(COUNT)


QUESTION: list[float | str] = [0.4, "Count to fifteen for me", 0.4]
BARGE_IN: list[float | str] = ["Stop please.", 1.6]
HEARD_S = 1.0
"""How long the caller listens to the count before talking over it."""


@dataclass
class Call:
    """What one call left behind."""

    history: list[dict[str, object]]
    reports: list[ReplyPlayedFrame]
    interrupt_ns: list[int]
    audio: list[tuple[int, OutputAudioFrame]] = field(default_factory=list)
    """(arrival time, frame) of each audio frame going into the output transport."""

    def barge_in_ns(self) -> int:
        """When the barge-in came: the first interruption after bot audio started (the VAD
        also interrupts at the first question, when nothing plays yet)."""
        first_audio = self.audio[0][0]
        return next(t for t in self.interrupt_ns if t > first_audio)

    def audio_after_barge_in_s(self) -> float:
        """Seconds of bot audio that went to the output after the barge-in."""
        cut = self.barge_in_ns()
        return sum(f.duration_ns for t, f in self.audio if t > cut) / 1e9

    def words_after_barge_in(self) -> list[str]:
        """The timed words on the TTS audio sent to the output after the barge-in."""
        cut = self.barge_in_ns()
        return [
            w for t, f in self.audio if t > cut and isinstance(f, TTSAudioFrame) for w, _ in f.word_times_ms
        ]

    def heard_of_the_count(self) -> list[str]:
        """The words of the interrupted reply the context kept (what the caller heard)."""
        return normalize_words(str(self.history[1]["content"]))


def agent() -> Processor:
    return ScriptedAgent(rules=[("count", COUNT), ("stop", STOPPED)], default="Hm.")


async def call(
    *,
    vad: Processor | None = None,
    stt: Processor | None = None,
    llm: Processor | None = None,
    tts: Processor | None = None,
    pace_s: float = 0.02,
) -> Call:
    """Run the call in real time through MemoryTransport and return what happened.

    The caller reacts as a person does: after the question it stays silent until the
    count has played for `HEARD_S`, then talks over it (however long the engines took
    to answer on this machine).
    """
    question, _ = with_pauses(QUESTION, engine="piper")
    barge_in, _ = with_pauses(BARGE_IN, engine="piper")
    client, ctx = MemoryTransport(), ConversationContext()
    vad = vad or VoiceActivityDetector(
        engine="silero", interrupt_on_speech=True, params=VADParams(stop_secs=0.2)
    )
    output = client.output()
    graph = Graph.chain(
        client.input(), vad, SilenceTurnDetector(min_delay=0.3), stt or WhisperSTT(),
        UserAggregator(context=ctx), llm or agent(), SentenceAggregator(), tts or EspeakTTS(),
        AssistantAggregator(context=ctx), output,
    )  # fmt: skip
    result = Call(history=[], reports=[], interrupt_ns=[])
    answered = asyncio.Event()

    def report(frame: Frame, _: str) -> None:
        if isinstance(frame, ReplyPlayedFrame):
            result.reports.append(frame)
            if len(result.reports) >= 2:
                answered.set()

    # start_timeout: Silero, Whisper, eSpeak and Pipecat's worker start on two shared cores
    async with Runtime(graph, start_timeout=60) as rt:
        rt.bus.subscribe(lambda e: result.interrupt_ns.append(time.perf_counter_ns()), InterruptEvent)
        rt.on_upstream(report)
        into_output = next(lk for lk in rt.links if lk.dst.name == output.name)
        into_output.probes.append(lambda f, _: _audio(f, result.audio, rt.epoch))
        await _speak(client, question.tobytes(), pace_s)
        async with asyncio.timeout(30):  # silence until the count plays (however long it takes)
            while not result.audio:
                await _speak(client, bytes(640), pace_s)
        await _speak(client, bytes(640 * round(HEARD_S / 0.02)), pace_s)  # and is heard a while
        await _speak(client, barge_in.tobytes(), pace_s)
        with contextlib.suppress(TimeoutError):  # check_barge_in then says what is missing
            await asyncio.wait_for(answered.wait(), 20)
    result.history = ctx.history()
    return result


async def _speak(client: MemoryTransport, pcm: bytes, pace_s: float) -> None:
    """Send `pcm` in 20 ms chunks, in real time as a caller speaks."""
    for i in range(0, len(pcm), 640):
        await client.send_audio(pcm[i : i + 640])
        await asyncio.sleep(pace_s)


def _audio(frame: Frame, into: list[tuple[int, OutputAudioFrame]], epoch: int) -> None:
    """Record bot audio the output takes (a frame of an interrupted epoch is dropped there)."""
    if isinstance(frame, OutputAudioFrame) and frame.epoch >= epoch:
        into.append((time.perf_counter_ns(), frame))


def check_barge_in(result: Call) -> None:
    """The words came back, the count was cut where the caller spoke, nothing stale played."""
    assert [m["role"] for m in result.history] == ["user", "assistant", "user", "assistant"], result.history
    assert "count" in normalize_words(str(result.history[0]["content"]))
    assert result.reports[0].interrupted and not result.reports[1].interrupted
    heard = result.heard_of_the_count()
    assert 0 < len(heard) < len(COUNT_WORDS) and heard == COUNT_WORDS[: len(heard)], heard
    assert "stop" in normalize_words(str(result.history[2]["content"]))
    assert result.history[3]["content"] == STOPPED
    assert result.interrupt_ns, "the barge-in interrupted the bot"
    assert result.audio_after_barge_in_s() < 1.5, "after the barge-in only the short answer played"
