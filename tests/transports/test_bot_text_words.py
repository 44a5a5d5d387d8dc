"""The bot text a client sees is the text's own words, whatever the TTS engine calls them.

eSpeak NG reports words without their punctuation and repeats pieces of numbers; Piper
reports the text's words. Either way the client gets each word of the text once,
spelled as written, in the interim deltas and in the final.
"""

from __future__ import annotations

import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import BotTextFrame, SentenceFrame
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
