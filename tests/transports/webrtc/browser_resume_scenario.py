"""Scenario: the bundled page reconnects with its resume token after the connection drops.

`python -m tests.transports.webrtc.browser_resume_scenario` (in a loopback-only
namespace, see netns.py) serves a configured `webrtc` backend (echo agent, resume on)
to headless Chromium. Through DevTools the page calls and types a turn; then the server
closes its side of the peer connection (a dropped connection, no hang-up). The page sees
its connection go `disconnected`/`failed`, makes a new peer connection with the token,
and types a second turn. Prints one JSON object of what the page and the server saw.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers import register_builtin

from .cdp_client import Chromium

CONFIG: dict[str, Any] = {
    "backend": {
        "provider": "webrtc",
        "options": {"host": "127.0.0.1", "port": 0, "connect_timeout_s": 10, "resume_grace_s": 30},
    },
    "graph": {
        "name": "echo",
        "nodes": [{"id": "agent", "type": "echo_agent", "params": {"prefix": "Said:"}}],
    },
    "persistence": {"url": "memory://"},
    "health": {"enabled": False},
}
REPLIES = "voicegraph.events.filter(e => e.type === 'bot_text' && !e.final).map(e => e.text).join('')"
PAGE = (
    "({state: voicegraph.state, resumes: voicegraph.resumes, sessionId: voicegraph.sessionId,"
    f" error: voicegraph.error, replies: {REPLIES}}})"
)


async def call(browser: Chromium, url: str, transport: Any, out: dict[str, Any]) -> None:
    await browser.open(url)
    await browser.wait_for("window.voicegraph && document.readyState === 'complete'", 10)
    await browser.evaluate("document.getElementById('call').click()", gesture=True)
    await browser.wait_for("voicegraph.state === 'connected' && voicegraph.events.length > 0", 15)
    await browser.evaluate("voicegraph.say('one')")
    await browser.wait_for(f"{REPLIES}.includes('(turn 1)')", 10)
    out["before"] = await browser.evaluate(PAGE)
    out["page_had_token"] = await browser.evaluate("!!voicegraph.resumeToken")
    conn = transport.sessions[out["before"]["sessionId"]]
    t0 = time.perf_counter()
    await conn.pc.close()  # the server's side of the connection goes away; the session stays
    await browser.wait_for("voicegraph.resumes === 1 && voicegraph.state === 'connected'", 45)
    out["reconnect_s"] = time.perf_counter() - t0
    out["server_peers"] = conn.peers
    await browser.evaluate("voicegraph.say('two')")
    await browser.wait_for(f"{REPLIES}.includes('(turn 2)')", 10)
    out["after"] = await browser.evaluate(PAGE)
    out["sessions"] = list(transport.sessions)


async def main() -> dict[str, Any]:
    register_builtin()
    served = build_served(load_config(CONFIG, env={}), env={})
    out: dict[str, Any] = {}
    await served.start()
    try:
        browser = await Chromium.launch()
        try:
            await call(browser, served.backend.transport.url, served.backend.transport, out)
        except TimeoutError:
            out["timeout"] = True
            out["page"] = await browser.evaluate(PAGE)
            out["events"] = await browser.evaluate("voicegraph.events")
        finally:
            out["console"] = browser.console[-20:]
            await browser.close()
    finally:
        await served.stop(5)
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
