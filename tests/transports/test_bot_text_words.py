"""The bot text a client sees is the text's own words, whatever the TTS engine calls them.

eSpeak NG reports words without their punctuation and repeats pieces of numbers; Piper
reports the text's words. Either way the client gets each word of the text once,
spelled as written, in the interim deltas and in the final.
"""

from __future__ import annotations

import numpy as np
import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import BotTextFrame, SentenceFrame, TTSAudioFrame
from voicegraph.processors.tts import EspeakTTS, PiperTTS
from voicegraph.processors.tts.streaming_tts import StreamingTTS
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

TEXT = "It is sunny and warm in Paris today, at 3.5 degrees! Dr. Smith's car is red."


async def said(tts: StreamingTTS) -> list[BotTextFrame]:
    client = MemoryTransport()
    got: list[BotTextFrame] = []
    async with Runtime(Graph.chain(client.input(), tts, client.output())) as rt:
        await rt.push(SentenceFrame(text=TEXT))
        while not (got and got[-1].final):
            frame = await client.next_output()
            if isinstance(frame, BotTextFrame):
                got.append(frame)
        await rt.end()
    return got


@pytest.mark.parametrize("engine", ["espeak", "piper"])
async def test_the_final_bot_text_is_the_text_as_written(engine: str) -> None:
    *interims, final = await said(EspeakTTS() if engine == "espeak" else PiperTTS())
    assert final.text == TEXT and not final.interrupted
    assert "".join(f.text for f in interims) == TEXT


async def test_a_text_whose_first_word_starts_in_a_later_chunk_is_shown_once() -> None:
    """A TTS that puts a text on a chunk before its first word: each word still shows once.

    Piper's lead-in once put a text's first word past its first 40 ms chunk, and the
    client saw "The capital of" and then "The", "capital", "of" again.
    """
    fmt = AudioFormat(22050, 1, SampleFormat.S16)
    tone = (np.sin(np.arange(882) / 5) * 8000).astype(np.int16).tobytes()  # 40 ms each
    frames = [
        TTSAudioFrame(data=tone, format=fmt, text="The capital of"),
        TTSAudioFrame(data=tone, format=fmt, word_times_ms=(("The", 5.0), ("capital", 20.0))),
        TTSAudioFrame(data=tone, format=fmt, word_times_ms=(("of", 3.0),)),
        TTSAudioFrame(data=tone, format=fmt, text="France is Paris.", word_times_ms=(("France", 0.0),)),
        TTSAudioFrame(data=tone, format=fmt, word_times_ms=(("is", 2.0), ("Paris", 20.0))),
    ]
    client = MemoryTransport()
    got: list[BotTextFrame] = []
    async with Runtime(Graph.chain(client.input(), client.output())) as rt:
        for frame in frames:
            await rt.push(frame)
        while not (got and got[-1].final):
            out = await client.next_output()
            if isinstance(out, BotTextFrame):
                got.append(out)
        await rt.end()
    *interims, final = got
    assert final.text == "The capital of France is Paris."
    assert "".join(f.text for f in interims) == final.text
