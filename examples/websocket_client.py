"""A client of voicegraph's raw-PCM WebSocket protocol: say a question, print the answer.

Shows the protocol a client speaks (voicegraph/transports/raw_pcm_serializer.py has the
full list): a text message `{"type":"start","sample_rate":16000}`, then binary 16-bit
little-endian mono PCM in real time; the server answers `started`, sends the bot's audio
as binary messages and JSON events (`transcript`: the user's words; `bot_text`: the
bot's words as they play, one `"final":true` per reply; `clear`: drop queued audio after
a barge-in). `{"type":"end"}` finishes the session.

Run a server first (python examples/websocket_server.py), then:
      python examples/websocket_client.py ws://127.0.0.1:8765 ["your question"]
The question is synthesized with Piper (or pass --wav FILE: 16 kHz mono 16-bit).
`python examples/websocket_server.py --smoke` runs this client against a server it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import wave
from dataclasses import dataclass, field

import numpy as np
from websockets.asyncio.client import ClientConnection, connect

RATE = 16000
CHUNK = RATE // 50  # 20 ms of samples


@dataclass
class Answer:
    """What one call brought back."""

    transcript: str = ""
    reply: str = ""
    audio: bytearray = field(default_factory=bytearray)


def question_audio(text: str) -> np.ndarray:
    """`text` spoken by Piper as 16 kHz int16 (the demo's caller voice)."""
    from voicegraph.demo.caller_voice import CallerVoice

    return CallerVoice(engine="piper", rate=RATE).speak(text)


def wav_audio(path: str) -> np.ndarray:
    """A 16 kHz mono 16-bit WAV file's samples."""
    with wave.open(path, "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise SystemExit(f"{path}: need 16 kHz mono 16-bit PCM")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


async def speak(ws: ClientConnection, pcm: np.ndarray) -> None:
    """Send `pcm` in 20 ms messages at the pace of speech, then 1 s of silence."""
    audio = np.concatenate([pcm, np.zeros(RATE, dtype=np.int16)]).astype("<i2")
    for start in range(0, len(audio), CHUNK):
        await ws.send(audio[start : start + CHUNK].tobytes())
        await asyncio.sleep(0.02)


async def call(url: str, pcm: np.ndarray, timeout_s: float = 60.0) -> Answer:
    """One session: say `pcm`, wait for the first whole reply, end the session."""
    answer = Answer()
    async with connect(url, max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": RATE}))
        sender = asyncio.get_running_loop().create_task(speak(ws, pcm))
        try:
            async with asyncio.timeout(timeout_s):
                async for message in ws:
                    if isinstance(message, bytes):
                        answer.audio.extend(message)  # the bot's voice, 16-bit PCM
                        continue
                    event = json.loads(message)
                    if event["type"] == "transcript" and event.get("final", True):
                        answer.transcript += event["text"]
                    elif event["type"] == "bot_text" and event["final"]:
                        answer.reply = event["text"]
                        break
                    elif event["type"] == "error":
                        raise SystemExit(f"[{event['code']}] {event['message']}")
        finally:
            sender.cancel()
        await ws.send(json.dumps({"type": "end"}))
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="ws://127.0.0.1:8765")
    parser.add_argument("question", nargs="?", default="What is the capital of France?")
    parser.add_argument("--wav", help="say this 16 kHz mono WAV instead")
    args = parser.parse_args()
    pcm = wav_audio(args.wav) if args.wav else question_audio(args.question)
    answer = asyncio.run(call(args.url, pcm))
    print(f"transcript: {answer.transcript.strip()}")
    print(f"reply: {answer.reply} ({len(answer.audio) / 2 / RATE:.1f} s of audio)")


if __name__ == "__main__":
    main()
