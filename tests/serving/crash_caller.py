"""Kill -9 in the middle of a spoken turn, restart, resume: what the caller heard against what
the resumed session holds. Shared by `test_crash_resume.py` and `benchmarks/crash_resume.py`.

    async with CrashCaller(store_url, workdir) as caller:
        await caller.open()
        await caller.turn("hello")                 # a whole turn (a script line heard)
        kill = await caller.kill_in_turn("question 1", after_s=1.2)
        print(kill.resumed, kill.lost_words, kill.repeated)

The server is `voicegraph serve tests/serving/configs/crash_resume.yaml` in a subprocess
(typed text in, a scripted agent, eSpeak speech out, raw PCM WebSocket), killed with
SIGKILL by its pid and started again on the same port and session store.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from voicegraph.backends.stores.store_factory import create_store

from .serve_process import ServeProcess, config_path, free_port

if TYPE_CHECKING:
    from pathlib import Path

    from voicegraph.backends.session import Session


def words(text: str) -> list[str]:
    """Lower-case words without punctuation (how heard text is compared)."""
    return re.findall(r"[a-z0-9]+", text.lower())


def script_lines() -> list[list[str]]:
    """The scripted agent's lines in the config, as words."""
    config = yaml.safe_load(config_path("crash_resume").read_text())
    agent = next(n for n in config["graph"]["nodes"] if n["id"] == "agent")
    return [words(line) for line in agent["params"]["script"]]


def line_index(text: str, script: list[list[str]]) -> int | None:
    """Which script line `text` is the start of; None when too short to tell ("Line")."""
    heard = words(text)
    if len(heard) < 2:
        return None
    return next((i for i, line in enumerate(script) if line[: len(heard)] == heard), None)


@dataclass
class Kill:
    """One kill -9 in a turn and the resume after it."""

    after_s: float
    """When the kill came, in seconds after the user's words were sent."""
    resumed: bool = False
    """The server answered `"resumed": true` to the resume token (same session id)."""
    user_final: bool = False
    """The caller saw its words come back as a final transcript before the kill."""
    heard: str = ""
    """The reply's words the caller received (as played) before the kill."""
    kept_user: bool = False
    """The resumed context has the in-flight user words."""
    kept_played: str = ""
    """The reply's part the resumed context has after those words."""
    lost_words: int = 0
    """Words the caller heard (its own final words, the reply's played words) the resumed
    context does not have."""
    extra_words: int = 0
    """Words of the reply the context holds as played that had not reached the caller when
    the kill came (sent in the same instant)."""
    next_reply: str = ""
    """The reply to the caller's next words after the resume."""
    repeated: bool = False
    """That reply is a script line the caller had already heard (in part or whole) or an
    earlier one: the agent's script position went back."""
    earlier_kept: bool = False
    """The resumed context still has every earlier turn's user words."""


@dataclass
class CrashCaller:
    """A caller of one session across server kills (see the module docstring)."""

    store_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    server: ServeProcess | None = None
    ws: ClientConnection | None = None
    session_id: str = ""
    token: str = ""
    said: list[str] = field(default_factory=list)
    """Every user line the server confirmed (final transcript seen), in order."""
    heard_lines: list[str] = field(default_factory=list)
    """The reply text heard in each turn (in part when a kill cut it)."""
    script: list[list[str]] = field(default_factory=script_lines)
    last_line: int = -1
    """Index of the last script line the caller heard a word of."""

    async def __aenter__(self) -> CrashCaller:
        await self.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.server is not None:
            self.server.stop()

    async def start_server(self) -> None:
        """Start `voicegraph serve` (cold) and wait until it is ready."""
        env = {"VOICEGRAPH_PERSISTENCE__URL": self.store_url}
        self.server = ServeProcess(config_path("crash_resume"), self.workdir, port=self.port, env=env)
        self.server.start()
        await asyncio.to_thread(self.server.ready, 60.0)

    async def open(self, resume: str = "") -> dict[str, Any]:
        """Connect and start (or resume with `resume`, a resume token); returns `started`."""
        self.ws = await connect(f"ws://127.0.0.1:{self.port}", open_timeout=10)
        await self.ws.send(json.dumps({"type": "start", "sample_rate": 16000, "resume_token": resume}))
        started: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert started.get("type") == "started", started
        self.session_id, self.token = str(started["session_id"]), str(started["resume_token"])
        return started

    async def turn(self, text: str, timeout: float = 20.0) -> str:
        """Say `text`; returns the reply as played (its final bot text)."""
        assert self.ws is not None
        await self.ws.send(json.dumps({"type": "text", "text": text}))
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.ws.recv()
                if isinstance(msg, bytes):
                    continue
                event = json.loads(msg)
                if event.get("type") == "transcript" and event.get("final"):
                    self.said.append(text)
                if event.get("type") == "bot_text" and event.get("final"):
                    self._heard_line(str(event["text"]))
                    return str(event["text"])

    async def kill_in_turn(self, text: str, after_s: float) -> Kill:
        """Say `text`, SIGKILL the server `after_s` later, restart it, resume, take one more turn."""
        kill = Kill(after_s=after_s)
        earlier = list(self.said)
        await self._listen_until_kill(text, kill)
        assert self.server is not None
        self.server.stop()
        await self.start_server()
        started = await self.open(resume=self.token)
        kill.resumed = bool(started.get("resumed"))
        last_heard = self.last_line
        kill.next_reply = await self.turn(f"and then {len(self.said)}")
        kill.repeated = self.last_line <= last_heard
        messages = await self._settled_messages(kill.next_reply)
        users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
        kill.earlier_kept = all(line in users for line in earlier)
        self._compare(kill, text, messages)
        return kill

    async def _listen_until_kill(self, text: str, kill: Kill) -> None:
        assert self.ws is not None and self.server is not None
        await self.ws.send(json.dumps({"type": "text", "text": text}))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + kill.after_s
        heard: list[str] = []
        try:
            while (left := deadline - loop.time()) > 0:
                try:
                    msg = await asyncio.wait_for(self.ws.recv(), left)
                except TimeoutError:
                    break
                if isinstance(msg, bytes):
                    continue
                event = json.loads(msg)
                if event.get("type") == "transcript" and event.get("final"):
                    kill.user_final = True
                elif event.get("type") == "bot_text":
                    heard = [str(event["text"])] if event.get("final") else [*heard, str(event["text"])]
        except ConnectionClosed:
            pass
        self._kill9()  # what arrives after it was not heard before the kill
        kill.heard = "".join(heard)
        if kill.user_final:
            self.said.append(text)
        self._heard_line(kill.heard)
        await self.ws.close()

    def _heard_line(self, text: str) -> None:
        """Note a reply heard (whole or in part): the script line it is, by its words, or
        (one word: "Line") the line after the last one, as the script goes one per reply."""
        self.heard_lines.append(text)
        if words(text):
            index = line_index(text, self.script)
            self.last_line = index if index is not None else self.last_line + 1

    def _kill9(self) -> None:
        """SIGKILL the server by its pid and reap it."""
        assert self.server is not None and self.server.proc is not None
        os.kill(self.server.pid, signal.SIGKILL)
        self.server.proc.wait(timeout=10)

    def _compare(self, kill: Kill, text: str, messages: list[dict[str, Any]]) -> None:
        """What of the killed turn the resumed context kept, and the words it lost."""
        at = next(
            (i for i, m in enumerate(messages) if m.get("role") == "user" and m.get("content") == text), None
        )
        kill.kept_user = at is not None
        if at is not None and at + 1 < len(messages) and messages[at + 1].get("role") == "assistant":
            kill.kept_played = str(messages[at + 1].get("content", ""))
        heard, kept = words(kill.heard), words(kill.kept_played)
        same = 0  # how many words the caller heard and the context kept agree on, from the first
        while same < min(len(heard), len(kept)) and heard[same] == kept[same]:
            same += 1
        lost_user = len(words(text)) if kill.user_final and not kill.kept_user else 0
        kill.lost_words = len(heard) - same + lost_user
        kill.extra_words = len(kept) - same

    async def _settled_messages(self, reply: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The stored context once it has `reply` (the turn-end save runs just after the reply played)."""
        async with asyncio.timeout(timeout):
            while True:
                record = await self.stored()
                messages: list[dict[str, Any]] = record.conversation.get("messages", []) if record else []
                if any(m.get("role") == "assistant" and m.get("content") == reply for m in messages):
                    return messages
                await asyncio.sleep(0.05)

    async def stored(self) -> Session | None:
        """The session's record as the store has it now."""
        store = create_store(self.store_url)
        try:
            await store.open()
            return await store.load(self.session_id)
        finally:
            await store.close()
