"""Scenario: headless Chromium opens the bundled page and talks to a real local agent.

`python -m tests.transports.webrtc.browser_scenario` (in a loopback-only namespace, see
netns.py) serves a graph of Silero VAD, Whisper tiny.en, a scripted agent and eSpeak NG;
Chromium's fake microphone plays a WAV of Piper speech. Through DevTools the scenario
presses Call, waits for the transcript on the page, for the reply's audio to play and
for the reply's words as played (the server sends them as the audio plays, not a copy
of the sentences),
presses Hang up, and prints one JSON object of what the page and the server saw.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from tests.speech import synthesize
from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.framework.frames import LLMMessagesFrame, TranscriptFrame
from voicegraph.processors.agent.scripted_agent import ScriptedAgent
from voicegraph.processors.audio import Resampler
from voicegraph.processors.stt import WhisperSTT
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts import EspeakTTS
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc import WebRTCTransport

from .cdp_client import Chromium

QUESTION = "What is the weather like in Paris today?"
REPLY = "It is sunny and warm in Paris today."
RATE = 16000


class TranscriptToMessages(Processor):
    """Final transcripts in, one user message for the agent out (the transcript goes on too)."""

    def __init__(self, heard: list[str]) -> None:
        super().__init__()
        self.heard = heard

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        await out.send(frame)
        if frame.final and frame.text.strip():
            self.heard.append(frame.text)
            await out.send(LLMMessagesFrame(messages=({"role": "user", "content": frame.text},)))


def agent_graph(heard: list[str]) -> Any:
    def build(conn: Connection) -> Graph:
        return Graph.chain(
            conn.input(),
            VoiceActivityDetector(engine="silero"),
            WhisperSTT(threads=1),
            TranscriptToMessages(heard),
            ScriptedAgent(rules={"weather": REPLY}),
            SentenceAggregator(),
            EspeakTTS(),
            Resampler(to_rate=48000),
            conn.output(),
        )

    return build


def write_wav(path: Path) -> float:
    """1 s of silence, the question, 4 s of silence; returns where speech ends (s)."""
    speech = np.asarray(synthesize(QUESTION, engine="piper"), dtype=np.int16)
    pcm = np.concatenate([np.zeros(RATE, np.int16), speech, np.zeros(4 * RATE, np.int16)])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return 1.0 + len(speech) / RATE


async def call(browser: Chromium, transport: WebRTCTransport, out: dict[str, Any]) -> None:
    await browser.open(transport.url)
    await browser.wait_for("window.voicegraph && document.readyState === 'complete'", 10)
    await browser.evaluate("document.getElementById('call').click()", gesture=True)
    out["connected"] = bool(await browser.wait_for("voicegraph.state === 'connected'", 15))
    out["sessions_during_call"] = len(transport.sessions)
    await browser.wait_for("voicegraph.transcript.some(t => t.role === 'user')", 30)
    await browser.wait_for(
        "voicegraph.audio.totalAudioEnergy > 0.01 && voicegraph.marks.bot_stopped_speaking", 30
    )
    await browser.wait_for("voicegraph.transcript.some(t => t.role === 'bot' && t.final)", 10)
    page = await browser.evaluate(
        "({transcript: voicegraph.transcript, audio: voicegraph.audio, marks: voicegraph.marks,"
        " error: voicegraph.error, sessionId: voicegraph.sessionId, state: voicegraph.state,"
        " log: [...document.querySelectorAll('#log li')].map(li => li.className + ': ' + li.textContent)})"
    )
    out["page"] = page
    await browser.evaluate("document.getElementById('hangup').click()", gesture=True)
    out["page_state_after_hangup"] = await browser.evaluate("voicegraph.state")
    t0 = time.perf_counter()
    for _ in range(250):  # 5 s
        if not transport.sessions:
            out["hangup_teardown_ms"] = (time.perf_counter() - t0) * 1000
            break
        await asyncio.sleep(0.02)


async def main() -> dict[str, Any]:
    out: dict[str, Any] = {"question": QUESTION, "reply": REPLY}
    heard: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vg-browser-") as tmp:
        wav = Path(tmp) / "question.wav"
        out["speech_ends_s"] = write_wav(wav)
        async with WebRTCTransport(agent_graph(heard)) as transport:
            browser = await Chromium.launch(fake_audio_wav=str(wav))
            try:
                await call(browser, transport, out)
            except TimeoutError:
                out["timeout"] = True
                out["page"] = await browser.evaluate(
                    "({transcript: voicegraph.transcript, audio: voicegraph.audio, marks: voicegraph.marks,"
                    " error: voicegraph.error, state: voicegraph.state, events: voicegraph.events})"
                )
            finally:
                out["console"] = browser.console[-20:]
                await browser.close()
            out["server_heard"] = heard
            out["sessions_started"] = transport.sessions_started
            out["sessions_ended"] = transport.sessions_ended
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
