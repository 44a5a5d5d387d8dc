"""The stock graph's bot text on the client side: the words as played, per reply.

Real engines (Silero VAD, Whisper, Piper, paced playout on a `MemoryTransport`); the
agent is the ScriptedAgent so the replies are known. The caller (Piper voice) asks two
questions in real time; the second answer is cut by a client barge-in after 1.2 s of
audio. One conversation per module; each test checks one behaviour of it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np
import pytest

from voicegraph.demo.caller_voice import CallerVoice
from voicegraph.framework import Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import BotTextFrame, Frame, OutputAudioFrame, ReplyPlayedFrame
from voicegraph.graphs.voice_agent import (
    VoiceAgentOptions,
    build_voice_agent,
    spoken_format,
    voice_agent_spec,
)
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = [pytest.mark.timeout(240)]

NAME = "My name is Vee. I am a voice agent."
PLANETS = (
    "The solar system has eight planets. Mercury is the closest to the sun, then come Venus, "
    "Earth and Mars. Beyond the asteroid belt are the gas giants Jupiter and Saturn."
)
RULES = [["planet", PLANETS], ["name", NAME]]
CUT_AFTER_S = 1.2


@dataclass
class Reply:
    """What the client got for one reply."""

    interims: list[BotTextFrame] = field(default_factory=list)
    final: BotTextFrame | None = None
    audio_s: float = 0.0
    report: ReplyPlayedFrame | None = None


async def _say(conn: MemoryTransport, pcm: np.ndarray, silence_s: float = 1.0) -> None:
    """Play `pcm` then silence into the graph in 20 ms chunks, in real time."""
    data = pcm.tobytes() + bytes(int(silence_s * 16000) * 2)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for i, at in enumerate(range(0, len(data), 640)):
        await conn.send_audio(data[at : at + 640])
        await asyncio.sleep(max(0.0, t0 + (i + 1) * 0.02 - loop.time()))


async def _reply(conn: MemoryTransport, *, cut_after_s: float | None = None) -> Reply:
    """Read the client's output until the reply's final bot text (interrupting if asked)."""
    reply = Reply()
    async with asyncio.timeout(60):
        while reply.final is None:
            frame: Frame = await conn.next_output()
            if isinstance(frame, OutputAudioFrame):
                reply.audio_s += frame.duration_ms / 1000
                if cut_after_s is not None and reply.audio_s >= cut_after_s:
                    cut_after_s = None
                    await conn.interrupt()
            elif isinstance(frame, BotTextFrame):
                if frame.final:
                    reply.final = frame
                else:
                    reply.interims.append(frame)
    return reply


async def _conversation() -> tuple[Reply, Reply]:
    spec = voice_agent_spec(VoiceAgentOptions(agent="scripted", agent_params={"rules": RULES}))
    conn = MemoryTransport(output_format=spoken_format(spec) or PCM16K)
    voice = CallerVoice()
    name_q = await asyncio.to_thread(voice.speak, "What is your name?")
    planets_q = await asyncio.to_thread(voice.speak, "Tell me about the planets.")
    reports: list[ReplyPlayedFrame] = []
    rt = Runtime(build_voice_agent(conn, spec=spec), start_timeout=180.0)
    rt.on_upstream(lambda f, _: reports.append(f) if isinstance(f, ReplyPlayedFrame) else None)
    await rt.start()
    try:
        first, _ = await asyncio.gather(_reply(conn), _say(conn, name_q))
        second, _ = await asyncio.gather(_reply(conn, cut_after_s=CUT_AFTER_S), _say(conn, planets_q))
    finally:
        await rt.cancel()
    texted = [r for r in reports if r.text_played]
    first.report, second.report = texted[0], texted[1]
    return first, second


@pytest.fixture(scope="module")
def replies() -> tuple[Reply, Reply]:
    return asyncio.run(_conversation())


def words(text: str) -> list[str]:
    return text.split()


def test_a_reply_played_to_its_end_ends_with_its_whole_text_as_final(replies: tuple[Reply, Reply]) -> None:
    first, _ = replies
    assert first.final is not None and not first.final.interrupted
    assert words(first.final.text) == words(NAME)


def test_interim_bot_texts_add_up_to_the_final_text(replies: tuple[Reply, Reply]) -> None:
    first, _ = replies
    assert first.final is not None
    assert len(first.interims) >= 3  # word by word as played, not one block
    assert "".join(f.text for f in first.interims).split() == words(first.final.text)


def test_the_final_bot_text_is_what_the_output_reported_as_played(replies: tuple[Reply, Reply]) -> None:
    for reply in replies:
        assert reply.final is not None and reply.report is not None
        assert reply.final.text == reply.report.text_played
        assert reply.final.interrupted == reply.report.interrupted


def test_a_barge_in_gives_a_final_marked_interrupted_with_only_the_words_played(
    replies: tuple[Reply, Reply],
) -> None:
    _, cut = replies
    assert cut.final is not None and cut.final.interrupted
    heard = words(cut.final.text)
    assert 0 < len(heard) < len(words(PLANETS))
    assert heard == words(PLANETS)[: len(heard)]
    # about 1.2 s of speech: a handful of words, not the first sentence and more
    assert 2 <= len(heard) <= 8
    assert cut.audio_s < 2.0


def test_no_word_is_shown_before_its_audio_played(replies: tuple[Reply, Reply]) -> None:
    _, cut = replies
    assert cut.final is not None
    shown = "".join(f.text for f in cut.interims).split()
    assert shown == words(cut.final.text)[: len(shown)]
