"""Scenario: Pipecat's real JS client calls a cold `voicegraph serve` (provider `pipecat`).

`python -m tests.serving.pipecat_scenario websocket|smallwebrtc` bundles the test page
around `@pipecat-ai/client-js` (scripts/pipecat_client.sh, npm, cached), starts
`voicegraph serve tests/serving/configs/pipecat_<kind>.yaml` as a subprocess and waits
for `ready`. Headless Chromium opens the page (served by a loopback HTTP server) and
connects with the client's own transport. The page's microphone is a MediaStream the
page makes (its getUserMedia returns it) into which the scenario plays Piper WAVs: the
question, then, once the bot has been speaking for a moment, a barge-in. Then it sends
bad RTVI messages, then a `send-text`, and prints one JSON object: every RTVI message
the client received (with page times), the bot audio levels received, the server's
barge-in timing line and the server's stderr tail. The smallwebrtc kind runs in a
loopback-only network namespace (tests/transports/webrtc/netns.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np

from tests.speech import speech_bounds, synthesize
from tests.transports.webrtc.cdp_client import Chromium

from .question import question
from .serve_process import ROOT, ServeProcess, config_path, free_port
from .served_call import READY_S

BARGE_IN = "Wait, stop. Tell me about Germany instead."
BARGE_AFTER_S = 0.6
TYPED = "What is the capital of Italy?"
BARGE_LINE = re.compile(r"barge-in: bot audio went on (-?[0-9.]+) ms after the VAD decision")


def client_page() -> Path:
    """The bundled page (npm install + esbuild on first use, cached in the machine's voicegraph cache)."""
    out = subprocess.run(
        [str(ROOT / "scripts" / "pipecat_client.sh")], capture_output=True, text=True, timeout=600, check=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


def write_pcm(path: Path, pcm: np.ndarray[Any, Any], rate: int = 16000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, np.int16).tobytes())


def prepare(site: Path) -> None:
    """The page and the two utterances, in the directory the HTTP server serves."""
    for name in ("index.html", "bundle.js"):
        shutil.copy(client_page() / name, site / name)
    write_pcm(site / "question.wav", question())
    barge = synthesize(BARGE_IN, engine="piper", rate=16000)
    start, end = speech_bounds(barge, 16000)
    write_pcm(site / "barge.wav", barge[start:end])


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def http_site(site: Path) -> Any:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def has(kind: str, extra: str = "true") -> str:
    """JS: the client received an RTVI message of `kind` (satisfying `extra` on `m`)."""
    return f"pc.messages.some(e => e.msg && e.msg.type === '{kind}' && ((m) => {extra})(e.msg))"


async def converse(browser: Chromium, page: str, url: str, kind: str, out: dict[str, Any]) -> None:
    await browser.open(f"{page}/index.html")
    await browser.wait_for("window.pc && document.readyState === 'complete'", 15)
    await browser.evaluate(f"pc.run('{kind}', '{url}')", gesture=True)
    out["ready"] = await browser.evaluate("pc.state") == "ready"
    await browser.evaluate("pc.say('question.wav')")
    await browser.wait_for(has("user-transcription", "m.data.final"), 40)
    await browser.wait_for(has("bot-started-speaking"), 60)
    await asyncio.sleep(BARGE_AFTER_S)  # let the bot speak a little before cutting in
    barge_s = await browser.evaluate("pc.say('barge.wav')")
    await browser.wait_for(has("bot-interrupted"), 20)
    await asyncio.sleep(barge_s + 1.0)  # the user finishes; the bad messages come next
    bad = [
        {"label": "rtvi-ai", "type": "no-such-type", "id": "bad-type", "data": {}},
        {"label": "rtvi-ai", "type": "send-text", "id": "bad-data", "data": {"content": 5}},
    ]
    for message in bad:
        await browser.evaluate(f"pc.sendRaw({json.dumps(message)})")
    await browser.wait_for(has("error-response", "m.id === 'bad-data'"), 10)
    await browser.evaluate("pc.typedAt = performance.now()")
    await browser.evaluate(f"pc.sendText({json.dumps(TYPED)})")
    await browser.wait_for(
        "pc.messages.some(e => e.t > pc.typedAt && e.msg && e.msg.type === 'bot-started-speaking')", 60
    )
    await asyncio.sleep(1.0)


async def in_browser(page: str, url: str, kind: str, out: dict[str, Any]) -> None:
    browser = await Chromium.launch()
    try:
        await converse(browser, page, url, kind, out)
    except TimeoutError:
        out["timeout"] = True
    finally:
        state = await browser.evaluate("({messages: pc.messages, audio: pc.audio, errors: pc.errors, "
                                       "llmText: pc.llmText, botReady: pc.botReady, "
                                       "typedAt: pc.typedAt || null})")  # fmt: skip
        out["page"] = state
        out["console"] = browser.console[-20:]
        await browser.close()


def main(kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind}
    with tempfile.TemporaryDirectory(prefix="vg-pipecat-") as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        prepare(site)
        port = free_port()
        server = ServeProcess(config_path(f"pipecat_{kind}"), Path(tmp), port=port).start()
        try:
            out["ready_event"] = bool(server.ready(READY_S))
            url = f"ws://127.0.0.1:{port}" if kind == "websocket" else f"http://127.0.0.1:{port}/api/offer"
            with http_site(site) as page:
                asyncio.run(in_browser(page, url, kind, out))
        except AssertionError as exc:
            out["error"] = str(exc)[:4000]
        finally:
            server.stop()
            out["server"] = server.tail(60)
            out["barge_in_ms"] = [float(m) for m in BARGE_LINE.findall("\n".join(server.stderr))]
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "websocket")))
