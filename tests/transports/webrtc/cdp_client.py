"""A tiny Chrome DevTools Protocol client: start headless Chromium, open a page, run JS.

Chromium is Debian's (`/usr/bin/chromium`, installed by scripts/setup.sh); nothing is
downloaded. It listens for DevTools on 127.0.0.1 at a port it picks (read from its
stderr); commands go over one WebSocket (the `websockets` library) in flattened-session
mode. The browser runs in its own process group, which `close` ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import tempfile
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = "/usr/bin/chromium"
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


def chromium_flags(user_data_dir: str, fake_audio_wav: str | None) -> list[str]:
    """Headless, sandbox-free, no background traffic; fake microphone and camera prompts accepted."""
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--no-default-browser-check", "--autoplay-policy=no-user-gesture-required",
        f"--user-data-dir={user_data_dir}", "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
    ]  # fmt: skip
    if fake_audio_wav is not None:
        flags.append(f"--use-file-for-fake-audio-capture={fake_audio_wav}%noloop")
    return flags


class Chromium:
    """One headless Chromium and a DevTools session on one page."""

    def __init__(self, proc: asyncio.subprocess.Process, ws: ClientConnection, profile: str) -> None:
        self.proc = proc
        self._ws = ws
        self._profile = profile
        self._ids = itertools.count(1)
        self._session = ""
        self.console: list[str] = []
        """Console messages and exceptions of the page."""
        self.stderr: list[str] = []
        """The browser's last log lines (its stderr is drained so it never blocks)."""
        self._drain = asyncio.ensure_future(self._read_stderr())

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.stderr = [*self.stderr[-50:], line.decode(errors="replace").rstrip()]

    @classmethod
    async def launch(cls, *, fake_audio_wav: str | None = None, timeout: float = 20.0) -> Chromium:
        """Start Chromium and connect to its DevTools endpoint."""
        profile = tempfile.mkdtemp(prefix="vg-chromium-")
        proc = await asyncio.create_subprocess_exec(
            CHROMIUM, *chromium_flags(profile, fake_audio_wav), "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        try:
            async with asyncio.timeout(timeout):
                url = await _devtools_url(proc)
            ws = await connect(url, max_size=64 * 1024 * 1024, ping_interval=None)
        except BaseException:
            _kill(proc)
            raise
        return cls(proc, ws, profile)

    async def send(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True) -> Any:
        """Run one command (on the page's session unless `page` is False); its result."""
        ident = next(self._ids)
        msg: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if page and self._session:
            msg["sessionId"] = self._session
        await self._ws.send(json.dumps(msg))
        while True:
            reply = json.loads(await self._ws.recv())
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._on_event(reply)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("method") == "Runtime.consoleAPICalled":
            args = event["params"].get("args", [])
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
        elif event.get("method") == "Runtime.exceptionThrown":
            self.console.append(str(event["params"]["exceptionDetails"].get("text")))

    async def open(self, url: str) -> None:
        """Open `url` in a new page and attach to it."""
        target = await self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False
        )
        self._session = attached["sessionId"]
        await self.send("Runtime.enable")
        await self.send("Page.enable")
        await self.send("Page.navigate", {"url": url})

    async def evaluate(self, expression: str, *, gesture: bool = False) -> Any:
        """Evaluate JS in the page (awaiting promises); the value, JSON-converted."""
        result = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True, "userGesture": gesture},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page error: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float, interval: float = 0.1) -> Any:
        """Poll `expression` (page state has no event to wait on) until it is truthy; its value.

        Raises:
            TimeoutError: still falsy after `timeout`.
        """
        async with asyncio.timeout(timeout):
            for _ in itertools.count():
                if value := await self.evaluate(expression):
                    return value
                await asyncio.sleep(interval)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Close the DevTools socket and end the browser's process group."""
        with contextlib.suppress(Exception):
            await self._ws.close()
        _kill(self.proc)
        self._drain.cancel()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self.proc.wait()
        with contextlib.suppress(OSError):
            import shutil

            shutil.rmtree(self._profile, ignore_errors=True)


async def _devtools_url(proc: asyncio.subprocess.Process) -> str:
    assert proc.stderr is not None
    while line := await proc.stderr.readline():
        match = _LISTENING.search(line.decode(errors="replace"))
        if match:
            return match.group(1)
    raise RuntimeError("Chromium exited before opening DevTools")


def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the group this test started: browser and its helpers
