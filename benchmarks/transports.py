"""Transport load: N concurrent peers stream real-time audio through a light graph (VAD + echo).

Usage: `python -m benchmarks.transports [--quick] [--peers 10,20,40] [--seconds 10]
[--no-websocket] [--profile]`. Prints one JSON object on stdout (progress on stderr).

It re-executes itself inside a fresh network namespace (`unshare --net`, root) whose only
interface is `lo` with 127.0.0.1 and 127.0.0.2 (aiortc gathers no candidate on 127.0.0.1
itself), so all traffic stays on loopback. There, a server process runs one transport and
one graph per session (WebRTC: `WebRTCTransport`, Opus both ways; WebSocket:
`WebSocketTransport`, raw 16 kHz PCM); a second process runs N client peers that stream
20 ms frames in real time: silence with a 60 ms beep every second. Per N it reports the
server's CPU (split by thread: the event loop, aiortc's Opus decoder threads, the executor
that runs Opus encoding), RSS per session, the lateness of returned audio (arrival of each
returned frame against the steady 20 ms grid of its stream; p99 is the jitter buffer a
player would need) and the beep round trip (mouth to ear through the server).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import platform
import pstats
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: import from the repo root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.stats import percentile
from voicegraph.framework import Graph
from voicegraph.framework.formats import PCM16K, AudioFormat
from voicegraph.framework.frames import InputAudioFrame, OutputAudioFrame
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.transports.connection import Connection

BEEP_EVERY_S, BEEP_MS, BEEP_HZ = 1.0, 60, 1000.0
STEREO48K = AudioFormat(48000, 2)
TICK = os.sysconf("SC_CLK_TCK")
Gated = Callable[[], Awaitable[None]]  # a peer awaits it once connected: streaming starts together


def log(msg: str) -> None:
    print(f"[transports] {msg}", file=sys.stderr, flush=True)


# -- server ---------------------------------------------------------------------------------
class Echo(Processor):
    """User audio straight back as bot audio."""

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        await out.send(OutputAudioFrame(data=frame.data, format=frame.format))


def light_graph(conn: Connection) -> Graph:
    from voicegraph.processors.vad import VoiceActivityDetector

    return Graph.chain(conn.input(), VoiceActivityDetector(engine="webrtc"), Echo(), conn.output())


def thread_cpu() -> dict[str, float]:
    """CPU seconds of this process's threads, grouped: loop, decoder, executor, other."""
    groups = {"loop": 0.0, "decoder": 0.0, "executor": 0.0, "other": 0.0}
    main = threading.main_thread().native_id
    names = {t.native_id: t.name for t in threading.enumerate()}
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / TICK
            name = names.get(int(tid), "")
            group = (
                "loop" if int(tid) == main
                else "decoder" if name.endswith("-decoder")
                else "executor" if name.startswith("asyncio")
                else "other"
            )  # fmt: skip
            groups[group] += cpu
    return groups


class LoopLag:
    """How late a 10 ms sleep wakes up: the event loop's own congestion, sampled."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    async def run(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            self.samples.append((time.perf_counter() - t - 0.01) * 1000)

    def take(self) -> dict[str, float | None]:
        out, self.samples = summary(self.samples), []
        return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def serve(kind: str) -> None:
    from voicegraph.transports.webrtc import HttpServer, WebRTCTransport
    from voicegraph.transports.webrtc.http_message import json_response
    from voicegraph.transports.websocket_transport import WebSocketTransport

    transport: Any
    if kind == "webrtc":
        transport = WebRTCTransport(light_graph, output_format=PCM16K, max_sessions=200)
    else:
        transport = WebSocketTransport(light_graph, max_size=1 << 20)
    profiler, control, lag = cProfile.Profile(), HttpServer(), LoopLag()

    async def stats(_: Any) -> Any:
        return json_response(
            {"rss_mb": rss_mb(), "cpu": thread_cpu(), "sessions": len(transport.sessions), "lag": lag.take()}
        )

    async def profile(request: Any) -> Any:
        if request.query == "start":
            profiler.enable()
            return json_response({})
        profiler.disable()
        return json_response(profile_shares(profiler))

    control.route("GET", "/stats", stats)
    control.route("GET", "/profile", profile)
    async with transport, control:
        print(json.dumps({"port": transport.port, "control": control.port}), flush=True)
        await lag.run()  # until the orchestrator ends this process


_PACKAGES = ("aiortc", "aioice", "voicegraph", "av", "pylibsrtp", "cryptography", "OpenSSL", "asyncio",
             "soxr", "numpy", "pyee", "websockets")  # fmt: skip


def profile_shares(profiler: cProfile.Profile) -> dict[str, Any]:
    """Event-loop time by package (self time), as shares, and the top functions."""
    st = pstats.Stats(profiler)
    by_pkg: dict[str, float] = {}
    rows = []
    for (path, line, fn), (_, _, tottime, _, _) in st.stats.items():  # type: ignore[attr-defined]
        parts = Path(path).parts
        pkg = next((p for p in _PACKAGES if p in parts), "other")
        if path == "~":  # C functions: name them, they are often the cost (socket sends, codecs)
            pkg = "builtin " + fn.strip("<>").split(" of ")[0].replace("method ", "").replace("built-in ", "")
        by_pkg[pkg] = by_pkg.get(pkg, 0.0) + tottime
        rows.append((tottime, f"{Path(path).name}:{line}:{fn}"))
    total = sum(by_pkg.values()) or 1.0
    top = sorted(rows, reverse=True)[:12]
    return {
        "by_package": {k: round(v / total, 3) for k, v in sorted(by_pkg.items(), key=lambda kv: -kv[1])[:12]},
        "top_functions": [{"share": round(t / total, 3), "fn": name} for t, name in top],
    }


# -- clients --------------------------------------------------------------------------------
def stream_pcm(seconds: float, fmt: AudioFormat, offset_s: float) -> tuple[bytes, list[int]]:
    """Silence with a beep every second (first at `offset_s`); returns PCM and beep starts (samples)."""
    n = int(seconds * fmt.rate)
    mono = np.zeros(n, np.float32)
    starts = [int((offset_s + k * BEEP_EVERY_S) * fmt.rate) for k in range(int(seconds / BEEP_EVERY_S))]
    t = np.arange(int(fmt.rate * BEEP_MS / 1000)) / fmt.rate
    beep = 0.3 * np.sin(2 * np.pi * BEEP_HZ * t)
    for s in starts:
        mono[s : s + len(beep)] = beep[: max(0, min(len(beep), n - s))]
    pcm = (mono * 32767).astype("<i2")
    return np.repeat(pcm, fmt.channels).tobytes(), starts


def analyse(
    recv: list[tuple[int, bytes, float]], beeps_ns: list[int], fmt: AudioFormat
) -> dict[str, list[float]]:
    """Lateness (ms) of each returned frame and round trip (ms) of each beep, for one peer.

    As with a microphone and a speaker: a sent frame's last sample was captured when it
    was sent; a received frame's first sample plays (at the earliest) when it arrives.
    A frame's place in its stream is its media time (RTP timestamp) when known, so lost
    frames do not count as lateness; else the samples received before it (TCP).
    """
    if not recv or not beeps_ns:
        return {"late": [], "rtt": []}
    start = beeps_ns[0]  # steady state: connection set-up of other peers is over
    frames = [
        (a, np.frombuffer(d, "<i2").reshape(-1, fmt.channels)[:, 0], m) for a, d, m in recv if a >= start
    ]
    cum, expect = 0, []
    for a, x, media in frames:
        cum += len(x)
        at = media + len(x) / fmt.rate if media == media else cum / fmt.rate  # NaN != NaN
        expect.append(a - at * 1e9)  # when the stream would have started, by this frame
    base = min(expect) if expect else 0.0
    late = [(e - base) / 1e6 for e in expect]
    rtt = []
    for b in beeps_ns:
        for a, x, _ in frames:
            loud = np.flatnonzero(np.abs(x) > 3000)
            if a > b and len(loud):
                rtt.append((a + loud[0] * 1e9 / fmt.rate - b) / 1e6)
                break
    return {"late": late, "rtt": [r for r in rtt if 0 < r < 900]}


async def webrtc_peer(url: str, seconds: float, index: int, gate: Gated) -> dict[str, Any]:
    from voicegraph.transports.webrtc import WebRTCClient

    client = WebRTCClient(url, audio_format=STEREO48K, timeout_s=30, max_send_s=seconds + 5)
    sent: dict[int, int] = {}  # frame pts (samples) -> monotonic ns it left the track
    recv_orig = client.track.recv

    async def recv() -> Any:
        frame = await recv_orig()
        sent[frame.pts or 0] = time.monotonic_ns()
        return frame

    client.track.recv = recv  # type: ignore[method-assign]  # benchmark probe on this instance
    t0 = time.perf_counter()
    await client.connect()
    connect_ms = (time.perf_counter() - t0) * 1000
    await gate()
    pcm, starts = stream_pcm(seconds, STEREO48K, 0.2 + (index % 10) * 0.05)
    base_pts = client.track.next_pts  # the stream starts with the next frame
    client.send_audio(pcm)
    await asyncio.sleep(seconds + 0.6)
    beeps = []
    for s in starts:
        pts = base_pts + s // 960 * 960
        if pts in sent:
            beeps.append(sent[pts] - int((960 - s % 960) * 1e9 / 48000))
    recv_frames = [(r.arrival_ns, r.data, r.media_s) for r in client.received]
    await client.hangup()
    return {"connect_ms": connect_ms, **analyse(recv_frames, beeps, STEREO48K)}


async def websocket_peer(url: str, seconds: float, index: int, gate: Gated) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    t0 = time.perf_counter()
    async with connect(url, max_size=1 << 20, compression=None) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
        await ws.recv()
        connect_ms = (time.perf_counter() - t0) * 1000
        await gate()
        pcm, starts = stream_pcm(seconds, PCM16K, 0.2 + (index % 10) * 0.05)
        recv: list[tuple[int, bytes, float]] = []
        sent: dict[int, int] = {}

        async def reader() -> None:
            async for msg in ws:
                if isinstance(msg, bytes):
                    recv.append((time.monotonic_ns(), msg, float("nan")))

        task = asyncio.ensure_future(reader())
        t_start = time.monotonic()
        for k, i in enumerate(range(0, len(pcm), 640)):
            await asyncio.sleep(max(0.0, t_start + k * 0.02 - time.monotonic()))
            sent[i // 2] = time.monotonic_ns()
            await ws.send(pcm[i : i + 640])
        await asyncio.sleep(0.6)
        task.cancel()
    beeps = [
        sent[s // 320 * 320] - int((320 - s % 320) * 1e9 / 16000) for s in starts if s // 320 * 320 in sent
    ]
    return {"connect_ms": connect_ms, **analyse(recv, beeps, PCM16K)}


async def run_clients(kind: str, url: str, peers: int, seconds: float) -> dict[str, Any]:
    barrier = asyncio.Barrier(peers + 1)  # every peer once connected (or failed), and us
    peer = webrtc_peer if kind == "webrtc" else websocket_peer
    sem = asyncio.Semaphore(8)  # connect a few at a time, as real callers arrive

    async def one(i: int) -> dict[str, Any]:
        arrived = False

        async def at_gate() -> None:
            nonlocal arrived
            arrived = True
            sem.release()
            await barrier.wait()

        await sem.acquire()
        try:
            return await peer(url, seconds, i, at_gate)
        finally:
            if not arrived:
                sem.release()
                await barrier.wait()

    tasks = [asyncio.ensure_future(one(i)) for i in range(peers)]
    await barrier.wait()
    print("ready", flush=True)
    cpu0 = time.process_time()
    lag = LoopLag()
    monitor = asyncio.ensure_future(lag.run())
    results = await asyncio.gather(*tasks, return_exceptions=True)
    monitor.cancel()
    ok = [r for r in results if isinstance(r, dict)]
    late = [v for r in ok for v in r["late"]]
    rtt = [v for r in ok for v in r["rtt"]]
    return {
        "peers_ok": len(ok),
        "errors": [repr(r)[:200] for r in results if not isinstance(r, dict)][:3],
        "connect_ms_p50": round(percentile([r["connect_ms"] for r in ok], 50), 1),
        "lateness_ms": summary(late),
        "rtt_ms": {**summary(rtt), "beeps": len(rtt)},
        "client_cpu_s": round(time.process_time() - cpu0, 2),
        "client_loop_lag_ms": lag.take(),
    }


def summary(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": round(percentile(values, 50), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values), 1) if values else None,
    }


# -- orchestrator ---------------------------------------------------------------------------
def control(port: int, path: str) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as resp:
        result: dict[str, Any] = json.loads(resp.read())
        return result


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *args],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip


def measure(kind: str, ports: dict[str, int], peers: int, seconds: float, profile: bool) -> dict[str, Any]:
    url = f"http://127.0.0.1:{ports['port']}/" if kind == "webrtc" else f"ws://127.0.0.1:{ports['port']}"
    idle = control(ports["control"], "/stats")
    clients = spawn("--role", "clients", "--kind", kind, "--url", url, "--peers", str(peers),
                    "--seconds", str(seconds))  # fmt: skip
    assert clients.stdout is not None
    try:
        if clients.stdout.readline().strip() != "ready":
            raise RuntimeError("clients did not connect")
        before, t0 = control(ports["control"], "/stats"), time.monotonic()
        if profile:
            control(ports["control"], "/profile?start")
        time.sleep(seconds * 0.9)  # the steady part of the stream
        after, wall = control(ports["control"], "/stats"), time.monotonic() - t0
        shares = control(ports["control"], "/profile?stop") if profile else None
        out, _ = clients.communicate(timeout=seconds + 120)
    finally:
        if clients.poll() is None:
            clients.kill()
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    cpu = {k: (after["cpu"][k] - before["cpu"][k]) / wall for k in after["cpu"]}
    result["server"] = {
        "sessions": before["sessions"],
        "cpu_cores": round(sum(cpu.values()), 3),
        "cpu_cores_by_thread": {k: round(v, 3) for k, v in cpu.items()},
        "cpu_ms_per_session_second": round(1000 * sum(cpu.values()) / max(1, peers), 2),
        "rss_mb": round(after["rss_mb"], 1),
        "rss_mb_per_session": round((after["rss_mb"] - idle["rss_mb"]) / max(1, peers), 2),
        "loop_lag_ms": after["lag"],
    }
    if shares is not None:
        result["server"]["loop_profile"] = shares
    for _ in range(200):  # let the sessions end before the next step
        if control(ports["control"], "/stats")["sessions"] == 0:
            break
        time.sleep(0.05)
    return result


def run_kind(kind: str, counts: list[int], seconds: float, profile_at: int | None) -> dict[str, Any]:
    server = spawn("--role", "server", "--kind", kind)
    assert server.stdout is not None
    try:
        ports = json.loads(server.stdout.readline())
        results: dict[str, Any] = {}
        for n in counts:
            log(f"{kind}: {n} peers for {seconds:.0f} s")
            try:
                results[str(n)] = measure(kind, ports, n, seconds, profile=n == profile_at)
            except Exception as exc:  # one failing step must not lose the others
                results[str(n)] = {"error": repr(exc)[:300]}
        return results
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(10)
        if server.poll() is None:
            server.kill()


def capacity(results: dict[str, Any]) -> dict[str, Any]:
    """Sessions one server process holds on two cores: CPU per session from the smallest step
    (least contention), and the largest step whose returned audio stayed within 100 ms (p99)."""
    steps = {int(n): r for n, r in results.items() if "server" in r}
    if not steps:
        return {}
    srv = steps[min(steps)]["server"]
    per = srv["cpu_cores"] / max(1, srv["sessions"])
    loop = srv["cpu_cores_by_thread"]["loop"] / max(1, srv["sessions"])
    clean = [n for n, r in steps.items() if (r["lateness_ms"]["p99"] or 1e9) <= 100]
    return {
        "cpu_cores_per_session": round(per, 4),
        "sessions_on_two_cores_if_cpu_bound": int(2 / per) if per else None,
        "sessions_before_the_event_loop_thread_saturates": int(0.8 / loop) if loop else None,
        "largest_step_with_p99_lateness_under_100ms": max(clean) if clean else None,
    }


def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    counts = (
        [int(n) for n in args.peers.split(",")] if args.peers else ([2, 5] if args.quick else [10, 20, 40])
    )
    seconds = args.seconds or (4.0 if args.quick else 10.0)
    kinds = ["webrtc"] + ([] if args.no_websocket else ["websocket"])
    out: dict[str, Any] = {
        "meta": {
            "machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "loadavg_start": os.getloadavg(), "seconds_per_step": seconds, "peers": counts,
            "graph": "input -> VAD (webrtc) -> echo -> output; one graph per session",
        },
    }  # fmt: skip
    for kind in kinds:
        profile_at = counts[len(counts) // 2] if args.profile and kind == "webrtc" else None
        out[kind] = run_kind(kind, counts, seconds, profile_at)
        out[f"{kind}_capacity"] = capacity(out[kind])
    out["meta"]["loadavg_end"] = os.getloadavg()
    return out


def in_namespace() -> bool:
    return os.environ.get("VG_LOAD_NETNS") == "1"


def reexec_in_namespace() -> int:
    setup = 'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec "$0" "$@"'
    cmd = [
        "unshare",
        "--net",
        "--",
        "sh",
        "-c",
        setup,
        sys.executable,
        str(Path(__file__).resolve()),
        *sys.argv[1:],
    ]
    return subprocess.call(cmd, env={**os.environ, "VG_LOAD_NETNS": "1"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 and 5 peers, 4 s each")
    parser.add_argument("--peers", help="comma-separated peer counts (default 10,20,40)")
    parser.add_argument("--seconds", type=float, help="streaming time per step")
    parser.add_argument("--no-websocket", action="store_true", help="WebRTC only")
    parser.add_argument(
        "--profile", action="store_true", help="profile the server's event loop at the middle step"
    )
    parser.add_argument("--role", default="orchestrate", choices=["orchestrate", "server", "clients"])
    parser.add_argument("--kind", default="webrtc", choices=["webrtc", "websocket"])
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    if args.role == "server":
        asyncio.run(serve(args.kind))
        return 0
    if args.role == "clients":
        print(json.dumps(asyncio.run(run_clients(args.kind, args.url, int(args.peers), float(args.seconds)))))
        return 0
    if not in_namespace():
        return reexec_in_namespace()
    print(json.dumps(orchestrate(args), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
