"""Scenario: real aiortc peers call a WebRTCTransport over loopback (run in a namespace).

`python -m tests.transports.webrtc.call_scenario` (see netns.py) serves a VAD + echo
graph with room for one session, then: a client connects and speaks synthesized speech
and types a message; a second client is turned away; the first hangs up; a third posts an
offer but never connects; a fourth asks the agent to hang up, and it does. Prints one JSON
object of observations for the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tests.speech import synthesize
from tests.transports.nodes import Echo, tone
from voicegraph.framework import Graph, Outbox, Processor, VoiceError, handles
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import EndCallFrame, TranscriptFrame, TTSAudioFrame
from voicegraph.processors.audio import Resampler
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc import WebRTCClient, WebRTCTransport

RATE = 16000
SPEECH = "Hello there, this call goes through a real WebRTC peer connection."
CONNECT_TIMEOUT_S = 2.0


GOODBYE_MS = 400


class HangUpOnRequest(Processor):
    """Typed "hang up": a short goodbye tone, then an `EndCallFrame`."""

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        await out.send(frame)
        if frame.text == "hang up":
            await out.send(TTSAudioFrame(data=tone(GOODBYE_MS), format=PCM16K, text="bye"))
            await out.send(EndCallFrame(reason="asked to"))


def echo_graph(conn: Connection) -> Graph:
    """VAD (speaking events for the data channel) and the user's audio played back."""
    vad = VoiceActivityDetector(engine="webrtc")
    bot = HangUpOnRequest()
    return Graph.chain(conn.input(), vad, Echo(), bot, Resampler(to_rate=48000), conn.output())


def loud_ms(pcm: NDArray[np.float32], window: int = RATE // 50) -> float:
    """Milliseconds of 20 ms windows louder than a tenth of the goodbye tone's level."""
    n = len(pcm) // window
    rms = np.sqrt(np.mean(pcm[: n * window].reshape(n, window) ** 2, axis=1)) if n else np.zeros(0)
    return 20.0 * int(np.sum(rms > 1100))


async def agent_hangs_up(transport: WebRTCTransport, out: dict[str, Any]) -> None:
    caller = WebRTCClient(transport.url, timeout_s=5)
    await caller.connect()
    caller.send_message({"type": "text", "text": "hang up"})
    t0 = time.perf_counter()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            await caller.wait_closed()
    pcm = np.frombuffer(caller.received_pcm(), "<i2").astype(np.float32)
    out["agent_hangup"] = {
        "closed_after_ms": (time.perf_counter() - t0) * 1000,
        "client_state": caller.pc.connectionState,
        "events": [e["type"] for e in caller.events],
        "end_call": next((e for e in caller.events if e["type"] == "end_call"), None),
        "loud_ms": loud_ms(pcm),
        "teardown_ms": await wait_sessions(transport, 0, 3.0),
    }
    await caller.close()


def align(sent: NDArray[np.float32], received: NDArray[np.float32]) -> tuple[float, int]:
    """Peak normalised cross-correlation of `sent` inside `received`, and its lag in samples."""
    n = len(sent) + len(received)
    size = 1 << (n - 1).bit_length()
    xc = np.fft.irfft(np.fft.rfft(received, size) * np.conj(np.fft.rfft(sent, size)), size)[: len(received)]
    lag = int(np.argmax(xc))
    window = received[lag : lag + len(sent)]
    if len(window) < len(sent):
        return 0.0, lag
    corr = float(np.dot(window, sent) / (np.linalg.norm(window) * np.linalg.norm(sent) + 1e-9))
    return corr, lag


def windowed(sent: NDArray[np.float32], received: NDArray[np.float32], lag: int) -> tuple[float, float]:
    """Median correlation and level ratio of 250 ms windows of speech, each aligned on its own.

    A loaded machine may stretch the echo by a chunk of inserted silence here and there;
    aligning each window near the global lag measures what was heard, not where the glitch fell.
    """
    win, reach = RATE // 4, RATE // 8
    corrs, ratios = [], []
    for start in range(0, len(sent) - win, win):
        x = sent[start : start + win]
        if np.std(x) < 100:
            continue
        lo = max(0, lag + start - reach)
        corr, at = align(x, received[lo : lag + start + win + reach])
        corrs.append(corr)
        ratios.append(float(np.std(received[lo + at : lo + at + win]) / np.std(x)))
    return float(np.median(corrs)), float(np.median(ratios))


def candidates(sdp: str) -> list[list[str]]:
    """(address, type) of every candidate line."""
    return [[m[0], m[1]] for m in re.findall(r"a=candidate:\S+ \d \S+ \d+ (\S+) \d+ typ (\w+)", sdp)]


async def speak_and_listen(transport: WebRTCTransport, out: dict[str, Any]) -> WebRTCClient:
    client = WebRTCClient(transport.url, timeout_s=10)
    t0 = time.perf_counter()
    await client.connect()
    out["connect_ms"] = (time.perf_counter() - t0) * 1000
    out["answer_candidates"] = candidates(client.pc.remoteDescription.sdp)
    speech = np.asarray(synthesize(SPEECH), dtype=np.int16)
    lead = np.zeros(RATE // 2, np.int16)
    sent = np.concatenate([lead, speech, np.zeros(RATE, np.int16)])
    pushed_ns = time.monotonic_ns()
    client.send_audio(sent.tobytes())
    client.send_message({"type": "text", "text": "typed hello"})
    await asyncio.sleep(len(sent) / RATE + 1.0)
    received = np.frombuffer(client.received_pcm(), "<i2").astype(np.float32)
    corr, lag = align(speech.astype(np.float32), received)
    first_ns = client.received[0].arrival_ns if client.received else pushed_ns
    out["echo_whole_correlation"] = corr
    out["echo_delay_ms"] = ((first_ns - pushed_ns) / 1e9 + (lag - len(lead)) / RATE) * 1000
    out["echo_correlation"], out["echo_rms_ratio"] = windowed(speech.astype(np.float32), received, lag)
    out["events"] = [e["type"] for e in client.events]
    out["transcript_events"] = [e.get("text") for e in client.events if e["type"] == "transcript"]
    out["session_id"] = client.session_id
    out["server_session_ids"] = list(transport.sessions)
    return client


async def second_caller(transport: WebRTCTransport, out: dict[str, Any]) -> None:
    extra = WebRTCClient(transport.url, timeout_s=5)
    try:
        await extra.connect()
        out["over_limit"] = {"code": None}
    except VoiceError as err:
        out["over_limit"] = {"code": str(err.code), "retriable": err.retriable}
    finally:
        await extra.close()


async def wait_sessions(transport: WebRTCTransport, count: int, timeout: float) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if len(transport.sessions) == count:
            return (time.perf_counter() - t0) * 1000
        await asyncio.sleep(0.02)
    return None


async def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    transport = WebRTCTransport(echo_graph, max_sessions=1, connect_timeout_s=CONNECT_TIMEOUT_S)
    async with transport:
        client = await speak_and_listen(transport, out)
        await second_caller(transport, out)
        await client.hangup()
        out["hangup_teardown_ms"] = await wait_sessions(transport, 0, 3.0)
        abrupt = WebRTCClient(transport.url, timeout_s=5)
        await abrupt.connect()
        await abrupt.close()  # no hang-up message: the peer connection just closes
        out["abrupt_close_teardown_ms"] = await wait_sessions(transport, 0, 3.0)
        silent = WebRTCClient(transport.url, timeout_s=5)
        await silent.offer()  # the answer is never applied: ICE cannot complete
        out["unconnected_sessions"] = len(transport.sessions)
        out["unconnected_teardown_ms"] = await wait_sessions(transport, 0, CONNECT_TIMEOUT_S + 3.0)
        await silent.close()
        await agent_hangs_up(transport, out)
        last = WebRTCClient(transport.url, timeout_s=5)
        await last.connect()
        t0 = time.perf_counter()
    out["stop_with_live_session_ms"] = (time.perf_counter() - t0) * 1000
    out["sessions_started"] = transport.sessions_started
    out["sessions_ended"] = transport.sessions_ended
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(3):
            await last.wait_closed()
    out["client_state_after_stop"] = last.pc.connectionState
    await last.close()
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
