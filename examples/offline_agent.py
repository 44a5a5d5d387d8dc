"""The stock offline voice agent, without a microphone: ask it one spoken question.

Shows: building the stock graph (Silero VAD -> turn detection -> Whisper -> the local
LLM -> Piper) on an in-process `MemoryTransport`, feeding it audio as a microphone
would (20 ms chunks in real time) and reading what comes back: the user's transcript
and the bot's words as they play (`BotTextFrame`). The question is synthesized with
Piper, so nothing but the local engines is needed: no keys, no network.

Run:  python examples/offline_agent.py ["your question"]
      python examples/offline_agent.py --smoke   (one fixed question; prints `reply: ...`)

The first run loads the engines (tens of seconds on a small machine). SmolLM2-135M is
a very small model: its answers are often odd; point the agent at a real LLM for real use.
"""

from __future__ import annotations

import argparse
import asyncio

import numpy as np

from voicegraph.demo.caller_voice import CallerVoice
from voicegraph.framework import Runtime
from voicegraph.framework.frames import BotTextFrame, TranscriptFrame
from voicegraph.graphs.voice_agent import build_voice_agent, spoken_format, voice_agent_spec
from voicegraph.transports.memory_transport import MemoryTransport

CHUNK_MS = 20
QUESTION = "What is the capital of France?"


async def feed(transport: MemoryTransport, pcm: np.ndarray, rate: int = 16000) -> None:
    """Play `pcm` into the graph in 20 ms chunks, in real time, then 1 s of silence."""
    step = rate * CHUNK_MS // 1000
    silence = np.zeros(rate, dtype=np.int16)
    audio = np.concatenate([pcm, silence])
    for start in range(0, len(audio), step):
        await transport.send_audio(audio[start : start + step].tobytes())
        await asyncio.sleep(CHUNK_MS / 1000)


async def ask(question: str, timeout_s: float = 60.0) -> str:
    """Say `question` to the stock agent; return the bot's reply as it was played."""
    voice = CallerVoice(engine="piper")  # the question, as 16 kHz speech
    pcm = await asyncio.to_thread(voice.speak, question)
    spec = voice_agent_spec()  # voicegraph/graphs/voice_agent.yaml
    # Receive the bot's audio in the TTS's own format (no conversion on the way out).
    transport = MemoryTransport(output_format=spoken_format(spec))
    graph = build_voice_agent(transport, spec=spec)
    async with Runtime(graph, start_timeout=180.0):  # entering loads the engines
        await feed(transport, pcm)
        async with asyncio.timeout(timeout_s):
            while True:
                frame = await transport.next_output()
                if isinstance(frame, TranscriptFrame) and frame.final:
                    print(f"you said: {frame.text.strip()}")
                elif isinstance(frame, BotTextFrame) and frame.final:
                    return frame.text  # leaving the block ends the stream; the graph drains


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default=QUESTION)
    parser.add_argument("--smoke", action="store_true", help="ask the fixed question and exit")
    args = parser.parse_args()
    reply = asyncio.run(ask(QUESTION if args.smoke else args.question))
    print(f"reply: {reply}")


if __name__ == "__main__":
    main()
