"""LiveKit benchmark: voice-to-voice through a real livekit-server versus in-process memory.

Usage: `python -m benchmarks.livekit_latency [--turns 6] [--barge-ins 4] [--reconnect-tries 20]
[--out FILE]` from the repo root (needs root for the network namespace; see
tests/livekit_server.py). Prints one JSON object on stdout; progress goes to stderr.

The same real voice agent (Silero VAD, silence turn end, Whisper tiny.en, scripted agent,
eSpeak NG; tests/transports/livekit/voice_agent.py) answers the same questions twice:
- `livekit`: a simulated user on the realtime SDK (48 kHz Opus over WebRTC through
  livekit-server, in our own network namespace) talks to `LiveKitTransport`;
- `memory`: the same user audio goes through `MemoryTransport` (no network, no codec).
Voice-to-voice is measured at the user: from the last voiced sample of the question
leaving the user to the first loud frame of the reply reaching them. Each turn is split:
`uplink` (user's speech end to where the agent's VAD places it), `graph` (that point to
the reply's first audio handed to the transport) and, for LiveKit, `downlink` (handed to
the SDK to heard). `transport_cost_ms` is what LiveKit itself adds (Opus both ways, jitter
buffers, the SFU hop, resampling): its uplink minus memory's, plus its downlink; the
difference of the two voice-to-voice medians is given too, but it also carries the
graph's own variance (Whisper under load). `barge_in` gives, from the VAD's decision, when the
agent cleared its queued audio and when the last loud frame of the cut reply reached the
user. `reconnect` kills the server (-9) and starts it again, `tries` times mid-call, and
counts the tries after which the same session answered the next question.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: import from the repo root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np

from benchmarks.stats import percentile
from tests.livekit_server import LiveKitServer, PrivateNetns, find_or_build_binary
from tests.speech import synthesize
from tests.transports.livekit.sim_user import LOUD_RMS, SimUser, converse, wait_for
from tests.transports.livekit.voice_agent import LONG_REPLY, SessionLog, voice_agent
from voicegraph.framework.formats import PCM16K, AudioFormat
from voicegraph.framework.frames import OutputAudioFrame
from voicegraph.transports.graph_session_runner import GraphSessionRunner
from voicegraph.transports.livekit import (
    LiveKitConfig,
    LiveKitTransport,
    ParticipantState,
    RoomState,
    TokenIssuer,
)
from voicegraph.transports.memory_transport import MemoryTransport

QUESTIONS = ["What is the weather like tomorrow?", "When does the next train leave?", "Is the museum open?"]
RULES = {"weather": "It will be sunny.", "train": "At noon.", "museum": "Yes, until six.", "stop": "Okay."}
BARGE_RULES = {"weather": LONG_REPLY, "stop": "Okay."}


def log(msg: str) -> None:
    print(f"[livekit_latency] {msg}", file=sys.stderr, flush=True)


def summary_ms(values_ns: list[int]) -> dict[str, float]:
    ms = [v / 1e6 for v in values_ns]
    stats = {"n": float(len(ms))}
    if ms:
        stats |= {"p50": round(percentile(ms, 50), 1), "p90": round(percentile(ms, 90), 1),
                  "min": round(min(ms), 1), "max": round(max(ms), 1)}  # fmt: skip
    return stats


def ms_list(values_ns: list[int]) -> list[float]:
    return [round(v / 1e6, 1) for v in values_ns]


# -- the in-process baseline -------------------------------------------------------------
class MemoryUser:
    """MemoryTransport's app side as a user: a real-time 16 kHz microphone and a speaker."""

    def __init__(self, client: MemoryTransport) -> None:
        self.client = client
        self.loud: list[int] = []
        self._pending: deque[tuple[bytes, asyncio.Future[int] | None]] = deque()

    def say(self, pcm: Any) -> asyncio.Future[int]:
        from tests.speech import speech_bounds

        _, end = speech_bounds(pcm, 16000)
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        frames = [pcm[i : i + 160] for i in range(0, len(pcm), 160)]
        last = max(0, (end - 1) // 160)
        for i, f in enumerate(frames):
            self._pending.append((np.pad(f, (0, 160 - len(f))).tobytes(), done if i == last else None))
        return done

    async def turn(self, pcm: Any) -> tuple[int, int]:
        """Say `pcm`; (speech end, first loud reply frame) once the reply has played out."""
        end = await self.say(pcm)
        await wait_for(lambda: any(t > end for t in self.loud), 30)
        first = next(t for t in self.loud if t > end)
        await wait_for(lambda: not [t for t in self.loud if t > time.monotonic_ns() - 400_000_000], 30)
        return end, first

    async def mic(self) -> None:
        t0, n, silence = time.monotonic(), 0, bytes(320)
        while True:
            data, done = self._pending.popleft() if self._pending else (silence, None)
            await self.client.send_audio(data)
            if done is not None:
                done.set_result(time.monotonic_ns())
            n += 1
            await asyncio.sleep(max(0.0, t0 + n * 0.01 - time.monotonic()))

    async def speaker(self) -> None:
        while True:
            frame = await self.client.next_output()
            if isinstance(frame, OutputAudioFrame):
                x = frame.samples().astype(np.float64)
                if len(x) and float(np.sqrt(np.mean(x * x))) > LOUD_RMS:
                    self.loud.append(time.monotonic_ns())


async def memory_turns(turns: int) -> dict[str, Any]:
    logs: dict[str, SessionLog] = {}
    client = MemoryTransport(input_format=PCM16K, output_format=AudioFormat(48000))
    user = MemoryUser(client)
    tasks = [
        asyncio.create_task(c)
        for c in (GraphSessionRunner(voice_agent(logs, RULES))(client), user.mic(), user.speaker())
    ]
    parts: dict[str, list[int]] = {"v2v": [], "uplink": [], "graph": []}
    try:
        for i in range(turns):
            end, first = await user.turn(synthesize(QUESTIONS[i % len(QUESTIONS)]))
            agent_end = logs[client.session_id].speech_ends_ns[-1]
            parts["v2v"].append(first - end)
            parts["uplink"].append(agent_end - end)
            parts["graph"].append(first - agent_end)  # output written = heard: no downlink
    finally:
        await client.disconnect()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {f"{k}_ms": summary_ms(v) for k, v in parts.items()} | {"v2v_samples_ms": ms_list(parts["v2v"])}


# -- LiveKit ---------------------------------------------------------------------------------
async def join(config: LiveKitConfig, room: str, identity: str) -> SimUser:
    token = await TokenIssuer(config).client_token(identity, room)
    user = await SimUser(config.url, token, identity, agent_identity=config.agent_identity).join()
    await wait_for(user.subscribed.is_set, 15)
    return user


async def livekit_turns(config: LiveKitConfig, turns: int) -> dict[str, Any]:
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(config, voice_agent(logs, RULES)) as lk:
        await lk.join("bench-turns")
        user = await join(config, "bench-turns", "u-turns")
        conn = lk.session_for("bench-turns", "u-turns")
        parts: dict[str, list[int]] = {"v2v": [], "uplink": [], "graph": [], "downlink": []}
        try:
            for i in range(turns):
                end, first = await converse(user, synthesize(QUESTIONS[i % len(QUESTIONS)]))
                agent_end, written = (
                    logs["u-turns"].speech_ends_ns[-1],
                    conn.stats.audio_started_ns if conn else 0,
                )
                parts["v2v"].append(first - end)
                parts["uplink"].append(agent_end - end)  # user's speech end -> the agent's VAD
                parts["graph"].append(written - agent_end)  # VAD speech end -> audio handed to the SDK
                parts["downlink"].append(first - written)  # SDK -> the user's first loud frame
        finally:
            await user.leave()
    result = {f"{k}_ms": summary_ms(v) for k, v in parts.items()}
    return result | {"v2v_samples_ms": ms_list(parts["v2v"]), "heard": logs["u-turns"].turns}


async def barge_once(lk: LiveKitTransport, user: SimUser, log: SessionLog) -> tuple[int, int, int, float]:
    """Ask for the long reply, talk over it; after the VAD decision: (queue cleared, last chunk
    sent, last loud frame heard) in ns, and the receiver's mean jitter-buffer delay in ms."""
    end = await user.say(synthesize(QUESTIONS[0]))
    await wait_for(lambda: len(user.heard.loud_times(end)) >= 50, 30)
    start = user.heard.loud_times(end)[0]
    user.say(synthesize("Stop, stop, wait a moment please."))
    await wait_for(lambda: any(t > start for t in log.decisions_ns), 10)
    decision = next(t for t in log.decisions_ns if t > start)
    await asyncio.sleep(1.0)
    conn = lk.session_for("bench-barge", user.identity)
    assert conn is not None and conn.track is not None
    heard = max(user.heard.loud_times(start))
    result = (conn.stats.last_clear_ns - decision, conn.track.last_capture_ns - decision, heard - decision,
              await user.jitter_buffer_ms())  # fmt: skip
    await wait_for(lambda: not user.heard.loud_times(time.monotonic_ns() - 400_000_000), 30)
    return result


async def barge_ins(config: LiveKitConfig, count: int) -> dict[str, Any]:
    logs: dict[str, SessionLog] = {}
    clear_ns: list[int] = []
    sent_ns: list[int] = []
    last_loud_ns: list[int] = []
    jitter_ms: list[float] = []
    async with LiveKitTransport(config, voice_agent(logs, BARGE_RULES)) as lk:
        await lk.join("bench-barge")
        user = await join(config, "bench-barge", "u-barge")
        try:
            for _ in range(count):
                clear, sent, last_loud, jitter = await barge_once(lk, user, logs["u-barge"])
                clear_ns.append(clear)
                sent_ns.append(sent)
                last_loud_ns.append(last_loud)
                jitter_ms.append(jitter)
        finally:
            await user.leave()
    return {
        "clear_after_decision_ms": summary_ms(clear_ns),
        "last_chunk_sent_after_decision_ms": summary_ms(sent_ns),
        "last_loud_heard_after_decision_ms": summary_ms(last_loud_ns),
        "receiver_jitter_buffer_ms": [round(j, 1) for j in jitter_ms],
        "within_100ms": sum(v < 100e6 for v in last_loud_ns),
    }


async def reconnects(config: LiveKitConfig, server: LiveKitServer, tries: int) -> dict[str, Any]:
    logs: dict[str, SessionLog] = {}
    recover_ns: list[int] = []
    failures: list[str] = []
    async with LiveKitTransport(config, voice_agent(logs, RULES)) as lk:
        room = await lk.join("bench-restart")
        user = await join(config, "bench-restart", "u-restart")
        conn = lk.session_for("bench-restart", "u-restart")
        try:
            await converse(user, synthesize(QUESTIONS[0]))

            def recovered() -> bool:
                active = conn is not None and conn.state is ParticipantState.ACTIVE
                return room.state is RoomState.CONNECTED and active and user.room.isconnected()

            for i in range(tries):
                t0 = time.monotonic_ns()
                await asyncio.to_thread(server.restart)
                ok = False
                try:
                    await wait_for(recovered, 30)
                    recover_ns.append(time.monotonic_ns() - t0)
                    await converse(user, synthesize(QUESTIONS[i % len(QUESTIONS)]))
                    ok = True
                except TimeoutError:
                    state = conn.state if conn is not None else None
                    linked = user.room.isconnected()
                    failures.append(f"try {i + 1}: room {room.state}, session {state}, user linked {linked}")
                log(f"restart {i + 1}/{tries}: {'ok' if ok else 'FAILED'}")
        finally:
            await user.leave()
    good = tries - len(failures)
    return {"tries": tries, "successes": good, "success_rate": round(good / tries, 3) if tries else None,
            "recover_ms": summary_ms(recover_ns), "sessions_built": logs["u-restart"].sessions,
            "turns_heard": len(logs["u-restart"].turns), "failures": failures}  # fmt: skip


async def run(args: argparse.Namespace, server: LiveKitServer) -> dict[str, Any]:
    config = LiveKitConfig.create(url=server.url, api_key=server.api_key, api_secret=server.api_secret)
    out: dict[str, Any] = {}
    log("memory turns")
    out["memory"] = await memory_turns(args.turns)
    log("livekit turns")
    out["livekit"] = await livekit_turns(config, args.turns)
    lk, mem = out["livekit"], out["memory"]
    out["transport_cost_ms"] = {
        "v2v_p50_difference": round(lk["v2v_ms"]["p50"] - mem["v2v_ms"]["p50"], 1),
        "uplink_p50": round(lk["uplink_ms"]["p50"] - mem["uplink_ms"]["p50"], 1),
        "downlink_p50": lk["downlink_ms"]["p50"],
    }
    cost = out["transport_cost_ms"]
    cost["total_p50"] = round(cost["uplink_p50"] + cost["downlink_p50"], 1)
    if args.barge_ins:
        log("barge-ins")
        out["barge_in"] = await barge_ins(config, args.barge_ins)
    if args.reconnect_tries:
        log("reconnects")
        out["reconnect"] = await reconnects(config, server, args.reconnect_tries)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--barge-ins", type=int, default=4)
    parser.add_argument("--reconnect-tries", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import warnings

    warnings.filterwarnings("ignore", message="The HMAC key is .* bytes long")  # the --dev secret
    netns = PrivateNetns.create_if_possible()
    server = LiveKitServer(binary=find_or_build_binary(), netns=netns)
    meta = {"netns": netns is not None, "media_ip": server.media_ip, "loadavg_start": os.getloadavg()}
    try:
        server.start()
        with server.network():  # before the SDK starts: its threads inherit the namespace
            result = asyncio.run(run(args, server))
    finally:
        server.stop()
        if netns is not None:
            netns.delete()
    meta["loadavg_end"] = os.getloadavg()
    text = json.dumps({"meta": meta, **result}, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
