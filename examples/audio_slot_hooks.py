"""A custom audio processor in a slot of every session, behind auth and rate-limit hooks.

Shows the serving hooks from Python (the same as `hooks:` in a serve config):
- a processor slot: `LevelMeter`, our own audio node, inserted `before_stt` into every
  session's graph (one fresh instance per session; other positions: after_input,
  after_stt, before_tts, after_tts, before_s2s, after_s2s, before_output);
- an `AuthHook`: `ApiKeyAuth` admits a client whose `key` query parameter is known and
  refuses others before any graph exists (`authentication_failed`, close code 4401);
- a `RateLimiter`: a token bucket per session for client operations (typed text, DTMF,
  updates): past it the client gets a coded `rate_limit_exceeded` error and the
  session goes on. Connects are checked too, in one bucket per client host (every
  connection of a host shares it, whatever its port).
In a config file: `hooks: {auth: {type: mymodule:ApiKeyAuth}, rate_limit: {rate: 1,
burst: 2}, processors: [{position: before_stt, type: level_meter}]}`.

Run:  python examples/audio_slot_hooks.py --smoke
      (serves examples/speech_graph.yaml on a free port; calls it without a key, with
      a key, and with a burst of typed messages; prints what each got)
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from voicegraph.backends import AuthHook, Backend, ConnectRequest, Hooks, Principal, RateLimiter, provider
from voicegraph.backends.graph_factory import SpecGraphFactory
from voicegraph.backends.processor_slots import ProcessorSlot, with_processors
from voicegraph.framework import Outbox, Processor, handles
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import InputAudioFrame

HERE = Path(__file__).parent
KEYS = {"k-alice": "alice"}


class LevelMeter(Processor):
    """Measures the user's audio level; passes the audio on unchanged.

    Handles `InputAudioFrame` (16-bit PCM); emits it as is. Latency: none. Flush: the
    peak is kept (it describes the whole call). Drain: prints the call's peak level
    (if it heard any audio).
    """

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.peak = 0

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        samples = np.frombuffer(frame.data, dtype="<i2")
        if len(samples):
            self.peak = max(self.peak, int(np.abs(samples.astype(np.int32)).max()))
        await out.send(frame)

    async def on_drain(self, out: Outbox) -> None:
        if not self.peak:
            return  # no audio in this session (a text-only client)
        db = 20 * np.log10(max(self.peak, 1) / 32768)
        print(f"level meter: peak {'above' if db > -20 else 'below'} -20 dBFS", flush=True)


class ApiKeyAuth(AuthHook):
    """Admits clients whose `key` query parameter is in KEYS (use a real secret store)."""

    async def authenticate(self, request: ConnectRequest) -> Principal:
        user = KEYS.get(request.params.get("key", ""))
        if user is None:
            raise VoiceError(ErrorCode.AUTHENTICATION_FAILED, "unknown or missing key")
        return Principal(id=user, scopes=frozenset({"session.*", "message.*"}))


def backend() -> Backend[Any]:
    graphs = with_processors(
        SpecGraphFactory(HERE / "speech_graph.yaml"), [ProcessorSlot("before_stt", LevelMeter)]
    )
    hooks = Hooks(auth=ApiKeyAuth(), rate_limiter=RateLimiter(rate=1.0, burst=2))
    return Backend(provider("websocket"), graphs, options={"host": "127.0.0.1", "port": 0}, hooks=hooks)


async def refused_without_key(url: str) -> None:
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
        error = json.loads(await ws.recv())
        try:
            await ws.recv()
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 0
        print(f"no key: [{error['code']}] close {code}")


async def typed_burst(url: str, count: int = 5) -> None:
    """Send `count` typed messages back to back; count the ones the rate limit refused."""
    async with connect(f"{url}/?key=k-alice") as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
        for _ in range(count):
            await ws.send(json.dumps({"type": "text", "text": "what is the weather?"}))
        refused, replies = 0, 0
        async with asyncio.timeout(20):
            while replies + refused < count:
                event = json.loads(m) if isinstance(m := await ws.recv(), str) else {}
                refused += event.get("code") == "rate_limit_exceeded"
                replies += event.get("type") == "bot_text" and bool(event.get("final"))
        await ws.send(json.dumps({"type": "end"}))
        print(f"typed burst of {count}: {replies} answered, {refused} refused (rate_limit_exceeded)")


async def smoke() -> None:
    from websocket_client import call, question_audio  # this folder's raw-PCM client

    pcm = await asyncio.to_thread(question_audio, "What is the capital of France?")
    async with backend() as served:
        url = served.transport.url
        await refused_without_key(url)
        answer = await call(f"{url}/?key=k-alice", pcm)
        print(f"with key: reply: {answer.reply}")
        await typed_burst(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the scripted run (the only mode)")
    parser.parse_args()
    asyncio.run(smoke())
