"""The swap call as a Vocode app makes it, run in the vocode venv (scripts/vocode_env.sh).

Speaks vocode's conversation WebSocket protocol with vocode 0.1.113's OWN message models:
AudioConfigStartMessage (LINEAR16 16 kHz, transcripts subscribed), ReadyMessage awaited,
the question as 20 ms WAV AudioMessages in real time, the line kept open with silence
until the bot's reply has been quiet for 1.5 s (or 25 s), StopMessage. Every server
frame is parsed with `WebSocketMessage.parse_obj`.

    python vocode_client.py URL QUESTION.wav BOT_OUT.wav > summary.json
"""

# mypy: ignore-errors
# (runs in the vocode venv, where vocode is importable; not in voicegraph's)
from __future__ import annotations

import asyncio
import io
import json
import sys
import time
import wave

import numpy as np
import websockets
from vocode.streaming.models.audio import AudioEncoding
from vocode.streaming.models.client_backend import InputAudioConfig, OutputAudioConfig
from vocode.streaming.models.websocket import (
    AudioConfigStartMessage,
    AudioMessage,
    ReadyMessage,
    StopMessage,
    TranscriptMessage,
    WebSocketMessage,
)

RATE = 16000
CHUNK = RATE // 50
LOUD_RMS = 200.0


def wav_bytes(pcm: bytes) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    return buf.getvalue()


async def speak_then_listen(ws, question: bytes, loud_at: list[float]) -> None:
    """The question in real-time 20 ms chunks, then silence until the bot's reply has been
    quiet for 1.5 s (or 25 s)."""
    t0 = time.monotonic()
    k = 0
    deadline = t0 + len(question) / 2 / RATE + 25.0
    while time.monotonic() < deadline:
        chunk = question[k * 2 * CHUNK : (k + 1) * 2 * CHUNK] or bytes(2 * CHUNK)
        await ws.send(AudioMessage.from_bytes(wav_bytes(chunk)).json())
        k += 1
        await asyncio.sleep(max(0.0, t0 + k * 0.02 - time.monotonic()))
        if loud_at and loud_at[-1] < time.monotonic() - 1.5:
            return


async def converse(url: str, question: bytes) -> tuple[dict, bytes]:
    out = {"transcripts": [], "ready": False}
    bot = bytearray()
    loud_at: list[float] = []
    ready = asyncio.Event()
    async with websockets.connect(url, max_size=2**20) as ws:

        async def receive() -> None:
            async for raw in ws:
                message = WebSocketMessage.parse_obj(json.loads(raw))
                if isinstance(message, ReadyMessage):
                    out["ready"] = True
                    ready.set()
                elif isinstance(message, AudioMessage):
                    with wave.open(io.BytesIO(message.get_bytes()), "rb") as w:
                        pcm = w.readframes(w.getnframes())
                    bot.extend(pcm)
                    x = np.frombuffer(pcm, "<i2").astype(np.float64)
                    if len(x) and float(np.sqrt(np.mean(x**2))) > LOUD_RMS:
                        loud_at.append(time.monotonic())
                elif isinstance(message, TranscriptMessage):
                    out["transcripts"].append([message.sender.value, message.text])

        reader = asyncio.create_task(receive())
        start = AudioConfigStartMessage(
            input_audio_config=InputAudioConfig(
                sampling_rate=RATE, audio_encoding=AudioEncoding.LINEAR16, chunk_size=2 * CHUNK
            ),
            output_audio_config=OutputAudioConfig(sampling_rate=RATE, audio_encoding=AudioEncoding.LINEAR16),
            conversation_id="swap-1",
            subscribe_transcript=True,
        )
        await ws.send(start.json())
        await asyncio.wait_for(ready.wait(), 30)
        await speak_then_listen(ws, question, loud_at)
        await ws.send(StopMessage().json())
        try:
            await asyncio.wait_for(reader, 10)
        except (TimeoutError, websockets.ConnectionClosed):
            reader.cancel()
    return out, bytes(bot)


def main() -> None:
    url, question_wav, bot_wav = sys.argv[1:4]
    with wave.open(question_wav, "rb") as w:
        question = w.readframes(w.getnframes())
    out, bot = asyncio.run(converse(url, question))
    with wave.open(bot_wav, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bot)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
