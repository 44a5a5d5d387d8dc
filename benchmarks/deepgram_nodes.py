"""Added latency of the Deepgram STT nodes: the fake's first byte of a message -> its frame in the graph.

Runs `DeepgramSTT` (Nova) and `DeepgramFluxSTT` against the local fake Deepgram
(tests/fakes/deepgram_server.py, Silero + Whisper on Piper speech) and matches each
server message with the frame it becomes at the graph's output:

- Nova: `Results` with text -> `InterimTranscriptFrame` / `TranscriptFrame` (same text);
- Flux: `StartOfTurn` -> `UserStartedSpeakingFrame`, `EndOfTurn` -> `TurnEndFrame`,
  `Update` -> `InterimTranscriptFrame`.

The clock starts just before the fake writes the message to its socket and stops when
the frame leaves the graph, so it holds the loopback, the WebSocket client, JSON
parsing and the node's handling: what the node adds beyond the service's own time.
Prints one JSON object (milliseconds, p50/p95/max per kind).

    python -m benchmarks.deepgram_nodes --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.deepgram_server import FakeDeepgramServer
from tests.processors.stt.stt_harness import push_speech
from tests.speech import with_pauses
from voicegraph.demo.latency_table import percentile
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    InterimTranscriptFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.processors.stt.deepgram_flux_stt import DeepgramFluxSTT
from voicegraph.processors.stt.deepgram_stt import DeepgramSTT

KEY = "bench-key"


def _stats(samples_ns: list[int]) -> dict[str, float]:
    ms = [s / 1e6 for s in samples_ns]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
            "max_ms": round(max(ms), 3)}  # fmt: skip


def _arrivals(rt: Runtime) -> list[tuple[int, Frame]]:
    seen: list[tuple[int, Frame]] = []
    rt.on_output(lambda f, _: seen.append((time.perf_counter_ns(), f)))
    return seen


def _match(
    sent: list[tuple[int, dict[str, Any]]], seen: list[tuple[int, Frame]], pairs: dict[str, type[Frame]]
) -> dict[str, list[int]]:
    """For each frame, the latest message of the matching kind (and text) sent before it."""
    out: dict[str, list[int]] = {k: [] for k in pairs}
    used: set[int] = set()
    for at, frame in seen:
        for kind, frame_type in pairs.items():
            if type(frame) is not frame_type:
                continue
            for i in range(len(sent) - 1, -1, -1):
                t, msg = sent[i]
                if i in used or t > at or kind not in (msg.get("type"), msg.get("event")):
                    continue
                text = msg.get(
                    "transcript", msg.get("channel", {}).get("alternatives", [{}])[0].get("transcript")
                )
                if (
                    isinstance(frame, TranscriptFrame)
                    and kind != "EndOfTurn"
                    and (text or "").strip() != frame.text
                ):
                    continue
                used.add(i)
                out[kind].append(at - t)
                break
    return out


async def nova(rounds: int) -> dict[str, Any]:
    pcm, segments = with_pauses(
        [0.4, "Please book a table for four people at seven tonight.", 0.6], engine="piper"
    )
    samples: dict[str, list[int]] = {"interim": [], "final": []}
    async with FakeDeepgramServer(api_key=KEY) as server:
        for _ in range(rounds):
            server.sessions.clear()
            async with Runtime(Graph.chain(DeepgramSTT(api_key=KEY, base_url=server.ws_base))) as rt:
                seen = _arrivals(rt)
                await push_speech(rt, pcm, segments, turn_end=True, pace=0.004)
                await asyncio.sleep(0.3)
            sent = [x for s in server.sessions for x in s.sent_ns if x[1].get("type") == "Results"]
            finals = [x for x in sent if x[1].get("is_final")]
            interims = [x for x in sent if not x[1].get("is_final")]
            samples["final"] += _match(finals, seen, {"Results": TranscriptFrame})["Results"]
            samples["interim"] += _match(interims, seen, {"Results": InterimTranscriptFrame})["Results"]
    return {k: _stats(v) for k, v in samples.items()}


async def flux(rounds: int) -> dict[str, Any]:
    pcm, _ = with_pauses([0.4, "Book a table for two at eight tonight please.", 1.3], engine="piper")
    pairs = {
        "StartOfTurn": UserStartedSpeakingFrame,
        "EndOfTurn": TurnEndFrame,
        "Update": InterimTranscriptFrame,
    }
    samples: dict[str, list[int]] = {k: [] for k in pairs}
    async with FakeDeepgramServer(api_key=KEY) as server:
        for _ in range(rounds):
            server.sessions.clear()
            stt = DeepgramFluxSTT(api_key=KEY, base_url=server.ws_base, interrupt_on_start=False)
            async with Runtime(Graph.chain(stt)) as rt:
                seen = _arrivals(rt)
                for i in range(0, len(pcm), 320):
                    await rt.push(InputAudioFrame(data=pcm[i : i + 320].tobytes(), format=PCM16K))
                    await asyncio.sleep(0.004)
                await asyncio.sleep(0.5)
            sent = [x for s in server.sessions for x in s.sent_ns]
            for kind, values in _match(sent, seen, pairs).items():
                samples[kind] += values
    return {k: _stats(v) for k, v in samples.items()}


async def main(rounds: int) -> dict[str, Any]:
    return {"unit": "ms from the fake's first byte to the frame leaving the graph", "rounds": rounds,
            "nova": await nova(rounds), "flux": await flux(rounds)}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.rounds)), indent=2))
