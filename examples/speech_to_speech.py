"""Speech-to-speech: one OpenAI Realtime node instead of STT -> LLM -> TTS.

Shows: `OpenAIRealtimeS2S` in a graph of its own (transport input -> the model ->
transport output): the user's audio goes to the model as it arrives, the model's
speech comes back with its transcript (`BotTranscriptFrame`), and the service's own
VAD takes turns. The node speaks the Realtime API's WebSocket protocol at 24 kHz.

With OPENAI_API_KEY set (and not --smoke), it talks to the real OpenAI Realtime API.
Without a key, or with --smoke, it talks to a FAKE: `tests/fakes/openai_realtime_server.py`,
a local server written from the API's documented protocol that answers with a scripted
reply spoken by eSpeak. The fake lives in this repository's tests, so run this example
from the repository root (`PYTHONPATH=.`). Nothing here ran against the real service.

Run:  python examples/speech_to_speech.py ["your question"]    (--smoke: a fixed question)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.demo.caller_voice import CallerVoice
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM24K
from voicegraph.framework.frames import OutputAudioFrame
from voicegraph.processors.s2s import BotTranscriptFrame, OpenAIRealtimeS2S
from voicegraph.transports import MemoryTransport

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

RATE = 24000
QUESTION = "What is the capital of France?"


@contextlib.asynccontextmanager
async def realtime_node(smoke: bool) -> AsyncIterator[OpenAIRealtimeS2S]:
    """The real service when a key is set; otherwise the local fake, started here."""
    key = os.environ.get("OPENAI_API_KEY")
    if key and not smoke:
        yield OpenAIRealtimeS2S(api_key=key, instructions="Answer in one short sentence.")
        return
    from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn

    script = RealtimeScript([ScriptedTurn(reply="The capital of France is Paris.")])
    async with FakeRealtimeServer(script) as fake:
        print("(no OPENAI_API_KEY or --smoke: talking to the local fake Realtime server)")
        yield OpenAIRealtimeS2S(url=fake.url, api_key=None)


async def talk(question: str, smoke: bool) -> None:
    pcm = await asyncio.to_thread(CallerVoice(engine="piper", rate=RATE).speak, question)
    audio = np.concatenate([pcm, np.zeros(RATE, dtype=np.int16)])  # then 1 s of silence
    client = MemoryTransport(input_format=PCM24K)
    async with realtime_node(smoke) as node:
        async with Runtime(Graph.chain(client.input(), node, client.output())):
            for start in range(0, len(audio), RATE // 50):  # 20 ms chunks, in real time
                await client.send_audio(audio[start : start + RATE // 50].tobytes())
                await asyncio.sleep(0.02)
            seconds = 0.0
            async with asyncio.timeout(30):
                while True:
                    frame = await client.next_output()
                    if isinstance(frame, OutputAudioFrame):
                        seconds += len(frame.data) / 2 / frame.format.rate
                    elif isinstance(frame, BotTranscriptFrame) and frame.final:
                        break
    print(f"reply: {frame.text}")
    print(f"audio: {seconds:.1f} s of the model's speech")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default=QUESTION)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    asyncio.run(talk(QUESTION if args.smoke else args.question, args.smoke))
