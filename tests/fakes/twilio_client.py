"""A fake Twilio Media Streams client, written from ../shared/protocols/twilio_media_streams.md.

It plays the phone call side of a bidirectional `<Connect><Stream>`:

- connects to the bot's WebSocket and sends `connected`, then `start` (a `MZ` + 32 hex
  streamSid, a `CA...` callSid, customParameters, mediaFormat audio/x-mulaw 8000 Hz mono);
- streams the caller's audio as `media` events of 160 u-law bytes (20 ms) in real time,
  with string `sequenceNumber`, `chunk` and `timestamp` fields;
- plays the bot's `media` at real-time pace from a buffer, echoes each `mark` once the
  audio queued before it has played, and on `clear` drops the buffered audio and hands
  back the pending marks at once;
- sends `dtmf`, and `stop` on hang-up.

    async with twilio_call(url) as call:
        await call.say(pcm_8k_s16)          # paced at real time
        await call.wait_for_played(0.5)     # seconds of bot audio played
        await call.hang_up()
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from voicegraph.framework.pcm import mulaw_encode

FRAME_BYTES = 160  # 20 ms of 8 kHz u-law
FRAME_S = 0.02


@dataclass
class FakeTwilioCall:
    """State of one fake call; the methods are the caller's actions."""

    ws: ClientConnection
    stream_sid: str
    call_sid: str
    played: bytearray = field(default_factory=bytearray)
    """Bot audio (u-law) played so far."""
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    """Every message from the bot, with its monotonic arrival time."""
    marks_echoed: list[tuple[str, bool]] = field(default_factory=list)
    """(mark name, returned by a clear) in the order they were sent back."""
    clears: int = 0
    _queue: deque[tuple[str, bytes | str]] = field(default_factory=deque)
    _seq: int = 1
    _chunk: int = 0
    _t0: float = field(default_factory=time.monotonic)
    _wake: anyio.Event = field(default_factory=anyio.Event)

    @property
    def played_s(self) -> float:
        """Seconds of bot audio played."""
        return len(self.played) / 8000

    def media(self) -> list[dict[str, Any]]:
        """The bot's media events, in order."""
        return [e for _, e in self.events if e.get("event") == "media"]

    async def _send(self, event: str, **body: Any) -> None:
        self._seq += 1
        msg = {"event": event, "sequenceNumber": str(self._seq), "streamSid": self.stream_sid, **body}
        await self.ws.send(json.dumps(msg))

    async def say(self, pcm: bytes) -> None:
        """Send caller audio (s16 mono 8 kHz) as 20 ms u-law media frames, in real time."""
        ulaw = mulaw_encode(np.frombuffer(pcm, dtype="<i2"))
        start = time.monotonic()
        for k, i in enumerate(range(0, len(ulaw), FRAME_BYTES)):
            await anyio.sleep(max(0.0, start + k * FRAME_S - time.monotonic()))
            self._chunk += 1
            ms = int((time.monotonic() - self._t0) * 1000)
            payload = base64.b64encode(ulaw[i : i + FRAME_BYTES]).decode()
            media = {"track": "inbound", "chunk": str(self._chunk), "timestamp": str(ms), "payload": payload}
            await self._send("media", media=media)

    async def press(self, digit: str) -> None:
        """Press a key."""
        await self._send("dtmf", dtmf={"track": "inbound_track", "digit": digit})

    async def hang_up(self) -> None:
        """Send `stop` and close the socket, as Twilio does when the caller hangs up."""
        await self._send("stop", stop={"accountSid": "AC" + "0" * 32, "callSid": self.call_sid})
        await self.ws.close()

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        """Wait (bounded) until `predicate()` is true."""
        with anyio.fail_after(timeout):
            while not predicate():  # noqa: ASYNC110 - polling test state
                await anyio.sleep(0.01)

    async def wait_for_played(self, seconds: float, timeout: float = 5.0) -> None:
        """Wait until `seconds` of bot audio have played."""
        await self.wait_for(lambda: self.played_s >= seconds, timeout)

    # -- the Twilio side ------------------------------------------------------------------
    async def _receive(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self._receive_all()

    async def _receive_all(self) -> None:
        async for raw in self.ws:
            assert isinstance(raw, str), "Twilio rejects binary frames"
            msg = json.loads(raw)
            self.events.append((time.monotonic(), msg))
            assert msg.get("streamSid") == self.stream_sid, msg
            event = msg["event"]
            if event == "media":
                self._queue.append(("media", base64.b64decode(msg["media"]["payload"], validate=True)))
            elif event == "mark":
                self._queue.append(("mark", msg["mark"]["name"]))
            elif event == "clear":
                await self._clear()
            else:
                raise AssertionError(f"Twilio would reject event {event!r}")
            self._wake.set()

    async def _clear(self) -> None:
        self.clears += 1
        pending = [name for kind, name in self._queue if kind == "mark"]
        self._queue.clear()
        for name in pending:  # a clear hands back the pending marks
            assert isinstance(name, str)
            self.marks_echoed.append((name, True))
            await self._send("mark", mark={"name": name})

    async def _play(self) -> None:
        while True:
            if not self._queue:
                self._wake = anyio.Event()
                await self._wake.wait()
                continue
            kind, item = self._queue.popleft()
            if kind == "mark":
                assert isinstance(item, str)
                self.marks_echoed.append((item, False))
                await self._send("mark", mark={"name": item})
                continue
            assert isinstance(item, bytes)
            self.played += item
            await anyio.sleep(len(item) / 8000)


@contextlib.asynccontextmanager
async def twilio_call(url: str, *, params: dict[str, str] | None = None) -> AsyncIterator[FakeTwilioCall]:
    """Open a fake call to the bot's stream at `url`; hang up (if still up) on exit."""
    stream_sid = "MZ" + secrets.token_hex(16)
    call_sid = "CA" + secrets.token_hex(16)
    async with connect(url, max_size=2**16, compression=None) as ws:
        call = FakeTwilioCall(ws, stream_sid, call_sid)
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        start = {
            "streamSid": stream_sid, "accountSid": "AC" + "0" * 32, "callSid": call_sid,
            "tracks": ["inbound"], "customParameters": params or {},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }  # fmt: skip
        await ws.send(
            json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": stream_sid, "start": start})
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(call._receive)
            tg.start_soon(call._play)
            try:
                yield call
            finally:
                tg.cancel_scope.cancel()
