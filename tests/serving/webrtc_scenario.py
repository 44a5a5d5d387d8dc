"""Scenario: a browser calls a cold `voicegraph serve` (WebRTC provider, stock voice agent).

`python -m tests.serving.webrtc_scenario [--early]` (run in a loopback-only network
namespace by tests/transports/webrtc/netns.py) starts `voicegraph serve
tests/serving/configs/webrtc.yaml` as a subprocess and waits for its `ready` event (with
`--early`: only for `listening`). Headless Chromium's fake microphone then plays a WAV of
the question (1 s silence, the question, 6 s silence). Through DevTools it opens the page
the server bundles, presses Call, waits for the user's words and the bot's words on the
page (`window.voicegraph.transcript`) and for the reply to play, presses Hang up, stops
the server with SIGTERM and prints one JSON object: what the page showed, how the server
exited, and the server's events and stderr tail.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.transports.webrtc.cdp_client import Chromium

from .question import write_wav
from .serve_process import ServeProcess, config_path, free_port
from .served_call import READY_S

PAGE_STATE = (
    "({transcript: voicegraph.transcript, audio: voicegraph.audio, marks: voicegraph.marks,"
    " error: voicegraph.error, state: voicegraph.state})"
)


async def call(browser: Chromium, url: str, out: dict[str, Any]) -> None:
    """Open the page, call, wait for both sides' words and the reply's sound, hang up."""
    await browser.open(url)
    await browser.wait_for("window.voicegraph && document.readyState === 'complete'", 15)
    await browser.evaluate("document.getElementById('call').click()", gesture=True)
    out["connected"] = bool(await browser.wait_for("voicegraph.state === 'connected'", 20))
    t0 = time.monotonic()
    await browser.wait_for("voicegraph.transcript.some(t => t.role === 'user' && t.final)", 30)
    out["user_words_s"] = round(time.monotonic() - t0, 2)
    await browser.wait_for("voicegraph.audio.totalAudioEnergy > 0.01", 30)
    out["reply_heard_s"] = round(time.monotonic() - t0, 2)
    await browser.wait_for("voicegraph.transcript.some(t => t.role === 'bot' && t.final)", 30)
    out["bot_words_s"] = round(time.monotonic() - t0, 2)
    out["page"] = await browser.evaluate(PAGE_STATE)
    await browser.evaluate("document.getElementById('hangup').click()", gesture=True)
    out["page_state_after_hangup"] = await browser.evaluate("voicegraph.state")


async def in_browser(wav: Path, url: str, out: dict[str, Any]) -> None:
    browser = await Chromium.launch(fake_audio_wav=str(wav))
    try:
        await call(browser, url, out)
    except TimeoutError:
        out["timeout"] = True
        out["page"] = await browser.evaluate(PAGE_STATE)
    finally:
        out["console"] = browser.console[-20:]
        await browser.close()


def main(early: bool) -> dict[str, Any]:
    """With `early`, the page is opened and Call pressed as soon as the server listens
    (its engines still loading), not once it says `ready`."""
    out: dict[str, Any] = {"early": early}
    with tempfile.TemporaryDirectory(prefix="vg-serve-webrtc-") as tmp:
        wav = Path(tmp) / "question.wav"
        out["speech_ends_s"] = write_wav(wav, lead_s=1.0, tail_s=6.0)
        server = ServeProcess(config_path("webrtc"), Path(tmp), port=free_port()).start()
        try:
            url = server.url(READY_S)
            if not early:
                out["ready"] = server.ready(READY_S)
            asyncio.run(in_browser(wav, url, out))
            out["ready_s"] = next((t for t, e in server.events if e.get("event") == "ready"), None)
            server.sigterm_timed(out)
        except AssertionError as exc:
            out["error"] = str(exc)[:4000]
        finally:
            server.stop()
            out["server"] = server.tail(40)
    return out


if __name__ == "__main__":
    print(json.dumps(main(early="--early" in sys.argv[1:])))
