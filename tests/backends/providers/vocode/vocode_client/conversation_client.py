"""A Vocode conversation client, run in the vocode venv (scripts/vocode_env.sh).

Speaks vocode's conversation WebSocket protocol with vocode's OWN message models
(`vocode.streaming.models.websocket`, `client_backend`, `audio`): AudioConfigStartMessage
first, ReadyMessage awaited, AudioMessage chunks (WAV-encoded 20 ms chunks, as the
browser SDK sends), StopMessage last; every server frame is parsed with
`WebSocketMessage.parse_obj` (voicegraph's `websocket_error` extension is read apart).

    python conversation_client.py URL QUESTION.wav BARGE.wav > summary.json

Scenario: two bad messages (a broken base64 chunk, an unknown type) right after ready;
the question in real time; the line kept open with real-time silence; one second after
the bot's first loud audio, the barge-in utterance; then listening until the bot has
been quiet for 2 s after its next reply (or 25 s); stop. Prints one JSON summary.
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
CHUNK = RATE // 50  # 20 ms
LOUD_RMS = 200.0


def read_wav(path: str) -> bytes:
    with wave.open(path, "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2), path
        return w.readframes(w.getnframes())


def wav_chunk(pcm: bytes) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    return buf.getvalue()


class Client:
    def __init__(self, ws: websockets.WebSocketClientProtocol) -> None:
        self.ws = ws
        self.t0 = time.monotonic()
        self.out: dict = {
            "ready": False,
            "errors": [],
            "transcripts": [],
            "loud": [],
            "audio_chunks": 0,
            "audio_s": 0.0,
            "wav_ok": True,
            "unparsed": 0,
            "barge_at": None,
            "closed": "",
        }
        self.ready = asyncio.Event()
        self.answered = asyncio.Event()
        self.send_lock = asyncio.Lock()

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def send(self, message: str) -> None:
        async with self.send_lock:
            await self.ws.send(message)

    async def say(self, pcm: bytes) -> None:
        """Stream `pcm` in real time, 20 ms WAV chunks."""
        start = time.monotonic()
        for i in range(0, len(pcm), 2 * CHUNK):
            await self.send(AudioMessage.from_bytes(wav_chunk(pcm[i : i + 2 * CHUNK])).json())
            await asyncio.sleep(max(0.0, start + (i // 2 + CHUNK) / RATE - time.monotonic()))

    async def receive(self) -> None:
        try:
            async for raw in self.ws:
                obj = json.loads(raw)
                if obj.get("type") == "websocket_error":
                    self.out["errors"].append(obj.get("code"))
                    continue
                message = WebSocketMessage.parse_obj(obj)
                if isinstance(message, ReadyMessage):
                    self.out["ready"] = True
                    self.ready.set()
                elif isinstance(message, AudioMessage):
                    self.audio(message.get_bytes())
                elif isinstance(message, TranscriptMessage):
                    self.out["transcripts"].append([self.now(), message.sender.value, message.text])
                else:
                    self.out["unparsed"] += 1
        except websockets.ConnectionClosed as exc:
            self.out["closed"] = f"{exc.code} {exc.reason}"
        else:
            self.out["closed"] = f"{self.ws.close_code} {self.ws.close_reason}"

    def audio(self, data: bytes) -> None:
        self.out["audio_chunks"] += 1
        try:
            with wave.open(io.BytesIO(data), "rb") as w:
                self.out["wav_ok"] &= (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
                pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64)
        except (wave.Error, EOFError):
            self.out["wav_ok"] = False
            return
        self.out["audio_s"] += len(pcm) / RATE
        if len(pcm) and float(np.sqrt(np.mean(pcm**2))) > LOUD_RMS:
            self.out["loud"].append(round(self.now(), 3))
            self.answered.set()


async def line_open(client: Client) -> None:
    while True:
        await client.say(bytes(2 * RATE // 5))


async def converse(url: str, question: bytes, barge: bytes) -> dict:
    async with websockets.connect(url, max_size=2**20) as ws:
        client = Client(ws)
        reader = asyncio.create_task(client.receive())
        start = AudioConfigStartMessage(
            input_audio_config=InputAudioConfig(
                sampling_rate=RATE, audio_encoding=AudioEncoding.LINEAR16, chunk_size=2048
            ),
            output_audio_config=OutputAudioConfig(sampling_rate=RATE, audio_encoding=AudioEncoding.LINEAR16),
            conversation_id="vocode-conversation-1",
            subscribe_transcript=True,
        )
        await client.send(start.json())
        await asyncio.wait_for(client.ready.wait(), 60)
        await client.send(json.dumps({"type": "websocket_audio", "data": "not base64!"}))
        await client.send(json.dumps({"type": "websocket_nonsense"}))
        await client.say(bytes(2 * RATE // 2) + question)
        client.out["question_end"] = client.now()
        line = asyncio.create_task(line_open(client))
        try:
            await asyncio.wait_for(client.answered.wait(), 25.0)
        except TimeoutError:
            pass
        if client.out["loud"]:
            await asyncio.sleep(1.0)
            line.cancel()
            client.out["barge_at"] = client.now()
            await client.say(barge)
            client.out["barge_end"] = client.now()
            line = asyncio.create_task(line_open(client))
            deadline = client.now() + 25.0
            while client.now() < deadline:
                await asyncio.sleep(0.1)
                after = [t for t in client.out["loud"] if t > client.out["barge_end"]]
                if after and client.now() - after[-1] > 2.0:
                    break
        line.cancel()
        await client.send(StopMessage().json())
        await asyncio.wait_for(reader, 10)
        return client.out


def main() -> None:
    url, question, barge = sys.argv[1], read_wav(sys.argv[2]), read_wav(sys.argv[3])
    print(json.dumps(asyncio.run(converse(url, question, barge))))


if __name__ == "__main__":
    main()
