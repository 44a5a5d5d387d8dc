"""Speech-to-speech framework overhead: transport -> realtime socket -> transport, local fake server.

Runs the realtime S2S node between a `MemoryTransport` input and output against the fake
OpenAI Realtime server on 127.0.0.1 (tests/fakes/openai_realtime_server.py), and prints one
JSON object:

- `in_transport_to_socket`: each 20 ms input chunk, from the app handing it to the
  transport to the fake server reading its `input_audio_buffer.append` (node, JSON and
  base64, loopback socket included);
- `out_socket_to_transport`: each reply's first audio delta, from the fake writing it to
  the transport writing its first chunk to the client (decode, emitter, playout start);
- `out_socket_to_sink`: every audio delta, from the fake writing it to the frame leaving
  the graph, with no paced playout (a graph whose sink is the S2S node);
- `voice_to_voice`: end of the user's speech (the chunk holding the provider VAD's
  `audio_end_ms`, handed to the transport) to the first reply audio written to the client;
  `server_delay` is the fake's own part (its VAD silence, model delay and synthesis: from
  reading that chunk to writing the first delta); `framework_overhead` is the difference.

The fake runs in a child process (time stamps are `time.monotonic_ns` on both sides, one
system-wide clock). Target: framework overhead p95 < 10 ms. Audio is pushed in real time (20 ms chunks), so a
turn takes its speech, the VAD silence and the reply's playout. Progress goes to stderr.

    python -m benchmarks.s2s --turns 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from benchmarks.stats import percentile
from tests.fakes.openai_realtime_server import FakeRealtimeServer, Pacing, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import CHUNK, chunks, utterance
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM24K
from voicegraph.framework.frames import (
    BotStoppedSpeakingFrame,
    InputAudioFrame,
    OutputAudioFrame,
    ResponseEndFrame,
)
from voicegraph.processors.s2s import OpenAIRealtimeS2S
from voicegraph.transports import MemoryTransport

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames import Frame

TARGET_MS = 10.0
PERIOD_S = 0.02
USER = ["what time is it", "tell me a joke", "how is the weather", "thank you"]
BOT = ["It is noon.", "Why not?", "Sunny and warm.", "You are welcome."]


class FakeProcess:
    """The fake server in a child process, as a remote provider would be: its work (VAD, JSON,
    synthesis) never competes with the graph for the event loop or the GIL. Time stamps are
    `time.monotonic_ns` on both sides (one system-wide clock)."""

    def __init__(self, first_delay_s: float) -> None:
        self.first_delay_s = first_delay_s
        self.url = ""
        self._proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> FakeProcess:
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.s2s", "--serve", str(self.first_delay_s),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        line = await self._line()
        self.url = f"ws://127.0.0.1:{json.loads(line)['port']}/v1/realtime"
        return self

    async def _line(self) -> bytes:
        assert self._proc is not None and self._proc.stdout is not None
        async with asyncio.timeout(30):
            return await self._proc.stdout.readline()

    async def records(self) -> dict[str, Any]:
        """What the fake saw and sent (append times, responses, VAD speech ends)."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(b"dump\n")
        await self._proc.stdin.drain()
        records: dict[str, Any] = json.loads(await self._line())
        return records

    async def __aexit__(self, *exc: object) -> None:
        if self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.close()
            async with asyncio.timeout(10):
                await self._proc.wait()


async def serve(first_delay_s: float) -> None:
    """Child side: run the fake; answer `dump` on stdin with its records; stop at EOF."""
    script = RealtimeScript([ScriptedTurn(reply=b) for b in BOT])
    async with FakeRealtimeServer(script, pacing=Pacing(first_delay_s=first_delay_s, speed=8.0)) as server:
        print(json.dumps({"port": int(server.url.split(":")[2].split("/")[0])}), flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            if line.strip() == "dump":
                print(json.dumps(_records(server)), flush=True)


def _records(server: FakeRealtimeServer) -> dict[str, Any]:
    appends = [r.t_ns for r in server.received if r.connection == 0 and r.type == "input_audio_buffer.append"]
    responses = [
        {"status": r.status, "first_delta_ns": r.first_delta_ns, "delta_times": [t for t, _ in r.delta_times]}
        for r in server.responses
    ]
    ends = server.connections[0].speech_end_ms if server.connections else []
    return {"appends": appends, "responses": responses, "speech_end_ms": ends}


class TimedTransport(MemoryTransport):
    """A memory transport that notes when each audio chunk is written to the client."""

    def __init__(self) -> None:
        super().__init__(input_format=PCM24K)
        self.writes: list[int] = []

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        self.writes.append(time.monotonic_ns())
        await super().write_audio(data, fmt, at_ns)


def stats_ms(values_ns: list[int]) -> dict[str, float]:
    ms = [v / 1e6 for v in values_ns]
    return {
        "n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3), "max_ms": round(max(ms), 3) if ms else float("nan"),
    }  # fmt: skip


async def pace(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def conversation(url: str, turns: int) -> dict[str, Any]:
    """Real-time turns through transport -> S2S -> transport; in/out/voice-to-voice samples."""
    client = TimedTransport()
    node = OpenAIRealtimeS2S(url=url, api_key=None)
    pushed: list[int] = []
    first_writes: list[int] = []
    async with Runtime(Graph.chain(client.input(), node, client.output())):
        t_next = time.monotonic()
        for turn in range(turns):
            print(f"turn {turn + 1}/{turns}", file=sys.stderr)
            writes_before = len(client.writes)
            for piece in chunks(utterance(USER[turn % len(USER)], silence_s=0.7)):
                await pace(t_next)
                pushed.append(time.monotonic_ns())
                await client.send_audio(piece)
                t_next += PERIOD_S
            while True:  # silence until the reply has played
                outputs = client.outputs_nowait()
                if (
                    any(isinstance(f, BotStoppedSpeakingFrame) for f in outputs)
                    and len(client.writes) > writes_before
                ):
                    break
                await pace(t_next)
                pushed.append(time.monotonic_ns())
                await client.send_audio(bytes(CHUNK))
                t_next += PERIOD_S
            first_writes.append(client.writes[writes_before])
    return {"pushed": pushed, "first_writes": first_writes}


def conversation_figures(records: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    pushed: list[int] = run["pushed"]
    recv: list[int] = records["appends"]
    n = min(len(pushed), len(recv))
    v2v, delay, overhead, out = [], [], [], []
    for end_ms, resp, t_write in zip(
        records["speech_end_ms"], records["responses"], run["first_writes"], strict=False
    ):
        k = min(end_ms // 20, n - 1)
        v2v.append(t_write - pushed[k])
        delay.append(resp["first_delta_ns"] - recv[k])
        overhead.append(v2v[-1] - delay[-1])
        out.append(t_write - resp["first_delta_ns"])
    return {
        "turns": len(run["first_writes"]),
        "in_transport_to_socket": stats_ms([recv[i] - pushed[i] for i in range(n)]),
        "out_socket_to_transport": stats_ms(out),
        "voice_to_voice": stats_ms(v2v),
        "server_delay": stats_ms(delay),
        "framework_overhead": stats_ms(overhead),
    }


async def sink_hops(fake: FakeProcess, turns: int) -> dict[str, float]:
    """Every delta, socket to the graph's sink (no playout pacing), one turn at a time."""
    node = OpenAIRealtimeS2S(url=fake.url, api_key=None)
    out_times: list[int] = []
    async with Runtime(Graph.chain(node)) as rt:
        ended = asyncio.Event()

        def on_out(frame: Frame, _: str) -> None:
            if isinstance(frame, OutputAudioFrame):
                out_times.append(time.monotonic_ns())
            elif isinstance(frame, ResponseEndFrame):
                ended.set()

        rt.on_output(on_out)
        for turn in range(turns):
            for piece in chunks(utterance(USER[turn % len(USER)], silence_s=0.7)):
                await rt.push(InputAudioFrame(data=piece, format=PCM24K))
            async with asyncio.timeout(20):
                await ended.wait()
            ended.clear()
    sent = [t for r in (await fake.records())["responses"] for t in r["delta_times"]]
    return stats_ms([o - s for s, o in zip(sent, out_times, strict=False)])


async def run(turns: int) -> dict[str, Any]:
    result: dict[str, Any] = {"meta": {"turns": turns, "chunk_ms": 20, "loadavg_start": os.getloadavg()}}
    async with FakeProcess(first_delay_s=0.05) as fake:
        live = await conversation(fake.url, turns)
        result.update(conversation_figures(await fake.records(), live))
    async with FakeProcess(first_delay_s=0.0) as fake:
        result["out_socket_to_sink"] = await sink_hops(fake, turns)
    p95 = result["framework_overhead"]["p95_ms"]
    result["target"] = {"framework_overhead_p95_ms": TARGET_MS, "met": bool(p95 < TARGET_MS)}
    result["meta"]["loadavg_end"] = os.getloadavg()
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--turns", type=int, default=10, help="conversation turns (each a few seconds)")
    ap.add_argument("--quick", action="store_true", help="3 turns")
    ap.add_argument("--out", help="also write the JSON here")
    ap.add_argument("--serve", type=float, metavar="FIRST_DELAY_S", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve is not None:
        asyncio.run(serve(args.serve))
        return
    result = asyncio.run(run(3 if args.quick else args.turns))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
