"""A phone call as Twilio places it: the Media Streams JSON protocol, over a WebSocket.

Shows what Twilio sends a bot on `<Connect><Stream>` and what it expects back, so you
can test a Twilio bot with no phone and no account: `connected`, then `start` (the
streamSid, callSid and mediaFormat audio/x-mulaw 8000 Hz mono), then the caller's audio
as `media` events (20 ms of base64 u-law each, in real time), `stop` on hang-up. The bot
answers with `media` (its voice, u-law), `mark` (echo it back once the audio before it
has played) and `clear` (a barge-in: drop queued audio). Twilio carries no text.

Run a server first (python examples/twilio_server.py), then:
      python examples/twilio_client.py ws://127.0.0.1:8765/stream ["your question"]
`python examples/twilio_server.py --smoke` runs this client against a server it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import secrets
import time

import numpy as np
from websockets.asyncio.client import ClientConnection, connect

from voicegraph.audio.g711 import mulaw_encode

RATE = 8000
FRAME = 160  # 20 ms of 8 kHz u-law


class TwilioCall:
    """One call's two streams: the caller's audio out, the bot's events in."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.stream_sid = "MZ" + secrets.token_hex(16)
        self.call_sid = "CA" + secrets.token_hex(16)
        self.bot_audio = bytearray()  # u-law, as the phone would play it
        self.last_audio = 0.0
        self._seq = 0

    async def send(self, event: str, **body: object) -> None:
        self._seq += 1
        message = {"event": event, "sequenceNumber": str(self._seq), "streamSid": self.stream_sid, **body}
        await self.ws.send(json.dumps(message))

    async def open(self) -> None:
        await self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        fmt = {"encoding": "audio/x-mulaw", "sampleRate": RATE, "channels": 1}
        await self.send("start", start={
            "streamSid": self.stream_sid, "callSid": self.call_sid, "accountSid": "AC" + "0" * 32,
            "tracks": ["inbound"], "customParameters": {}, "mediaFormat": fmt,
        })  # fmt: skip

    async def say(self, pcm: np.ndarray) -> None:
        """Send 8 kHz int16 speech, then 1 s of silence, as 20 ms media events in real time."""
        ulaw = mulaw_encode(np.concatenate([pcm, np.zeros(RATE, dtype=np.int16)]))
        for chunk, start in enumerate(range(0, len(ulaw), FRAME), start=1):
            payload = base64.b64encode(ulaw[start : start + FRAME]).decode()
            media = {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str(chunk * 20),
                "payload": payload,
            }
            await self.send("media", media=media)
            await asyncio.sleep(0.02)

    async def listen(self) -> None:
        """Take the bot's events: keep its audio, echo marks, obey clears."""
        async for raw in self.ws:
            event = json.loads(raw)
            if event["event"] == "media":
                self.bot_audio += base64.b64decode(event["media"]["payload"])
                self.last_audio = time.monotonic()
            elif event["event"] == "mark":  # a real phone echoes it when played; we at once
                await self.send("mark", mark={"name": event["mark"]["name"]})
            elif event["event"] == "clear":
                print("bot: clear (barge-in)")

    async def hang_up(self) -> None:
        await self.send("stop", stop={"accountSid": "AC" + "0" * 32, "callSid": self.call_sid})


async def call(url: str, pcm: np.ndarray, timeout_s: float = 60.0) -> float:
    """Say `pcm` (8 kHz int16), wait until the bot has spoken and gone quiet; seconds heard."""
    async with connect(url, compression=None) as ws:
        phone = TwilioCall(ws)
        await phone.open()
        listener = asyncio.get_running_loop().create_task(phone.listen())
        await phone.say(pcm)
        async with asyncio.timeout(timeout_s):
            # polls: "a quiet second after the bot spoke" is a time, not an event
            while not phone.bot_audio or time.monotonic() - phone.last_audio < 1.0:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        await phone.hang_up()
        listener.cancel()
    return len(phone.bot_audio) / RATE


def question_audio(text: str) -> np.ndarray:
    """`text` spoken by Piper at 8 kHz, like a phone line."""
    from voicegraph.demo.caller_voice import CallerVoice

    return CallerVoice(engine="piper", rate=RATE).speak(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="ws://127.0.0.1:8765/stream")
    parser.add_argument("question", nargs="?", default="What is the capital of France?")
    args = parser.parse_args()
    seconds = asyncio.run(call(args.url, question_audio(args.question)))
    print(f"bot audio: {seconds:.1f} s")


if __name__ == "__main__":
    main()
