"""A Twilio Media Streams phone call to a served process, and the conversation it left behind.

The caller is tests/fakes/twilio_client.py (start/media/mark/stop, G.711 mu-law 8 kHz):
it says the question in real time, keeps its line open with real-time silence (a phone
line never goes quiet on the wire), plays the bot's media as Twilio would and hangs up
once the reply has played and gone quiet for 1.5 s (or after `listen_s`).

Twilio tells the caller nothing but audio, so what the server understood is read where
an operator reads it: the session's record in the server's SQLite session store
(`persistence.url`), kept after the call (`hooks.retention.keep_completed_s`), whose
`conversation.messages` hold the user's transcript and the bot's reply.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from websockets.exceptions import ConnectionClosed

from tests.fakes.twilio_client import FakeTwilioCall, twilio_call
from voicegraph.framework.pcm import mulaw_decode

from .question import heard_the_question, question, silence

RATE = 8000
LOUD_RMS = 200.0
"""int16 RMS above which a 20 ms media payload counts as speech."""


def store_env(db: Path) -> dict[str, str]:
    """Config overrides: sessions in SQLite at `db`, completed records kept for 10 minutes."""
    return {
        "VOICEGRAPH_PERSISTENCE__URL": f"sqlite:///{db}",
        "VOICEGRAPH_HOOKS__RETENTION__KEEP_COMPLETED_S": "600",
    }


@dataclass(repr=False)
class TwilioRecord:
    """What the caller heard (times in seconds since the question ended) and what was filed."""

    loud: list[float] = field(default_factory=list)
    """Arrival of each loud media payload of the bot, after the question."""
    media: int = 0
    marks: int = 0
    played_s: float = 0.0
    session_id: str = ""
    """The session the server filed for this call ("" if none was filed)."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    """The session record's conversation messages (role, content)."""
    error: str = ""

    def said(self, role: str) -> str:
        return " ".join(str(m.get("content", "")) for m in self.messages if m.get("role") == role)

    @property
    def answered(self) -> bool:
        return bool(self.loud)

    @property
    def heard_question(self) -> bool:
        return heard_the_question(self.said("user"))

    def summary(self) -> str:
        first = f"{self.loud[0]:.2f}s" if self.loud else None
        return (
            f"first loud bot media {first} after the question, {self.media} media, {self.marks} marks,"
            f" played {self.played_s:.2f}s, user said {self.said('user')!r},"
            f" bot said {self.said('assistant')!r}, session {self.session_id!r}, error {self.error!r}"
        )


def _loud_after(call: FakeTwilioCall, t_end: float) -> list[float]:
    out = []
    for t, ev in call.events:
        if ev.get("event") == "media" and t >= t_end:
            pcm = mulaw_decode(base64.b64decode(ev["media"]["payload"])).astype(np.float64)
            if len(pcm) and float(np.sqrt(np.mean(pcm**2))) > LOUD_RMS:
                out.append(t - t_end)
    return out


async def _line_open(call: FakeTwilioCall) -> None:
    while True:
        await call.say(bytes(2 * RATE // 5))  # 0.2 s of silence, paced


async def _converse(url: str, record: TwilioRecord, listen_s: float) -> None:
    async with twilio_call(url) as call:
        await call.say(np.concatenate([silence(0.3, RATE), question(RATE)]).astype("<i2").tobytes())
        t_end = time.monotonic()
        line = asyncio.ensure_future(_line_open(call))
        try:
            deadline = t_end + listen_s
            while time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                record.loud = _loud_after(call, t_end)
                quiet_since = time.monotonic() - t_end - 1.5
                if record.loud and all(t < quiet_since for t in record.loud):
                    break
        finally:
            line.cancel()
            await asyncio.gather(line, return_exceptions=True)
            record.media = len(call.media())
            record.marks = len(call.marks_echoed)
            record.played_s = call.played_s
            with contextlib.suppress(Exception):  # the server may have hung up first
                await call.hang_up()


def _filed(db: Path, known: set[str], timeout: float = 10.0) -> tuple[str, list[dict[str, Any]]]:
    """The id and conversation messages of a completed session not in `known`, once filed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            with contextlib.closing(sqlite3.connect(db)) as conn:
                rows = conn.execute("SELECT id, record FROM sessions WHERE state = 'completed'").fetchall()
            for sid, raw in rows:
                if sid not in known:
                    messages = json.loads(raw).get("conversation", {}).get("messages", [])
                    return sid, [m for m in messages if isinstance(m, dict)]
        time.sleep(0.1)
    return "", []


def twilio_conversation(
    url: str, db: Path, *, listen_s: float, known: set[str] | None = None
) -> TwilioRecord:
    """One call to the Twilio stream at `url` (ws://host:port/stream); never raises for the server.

    `known`: ids of sessions filed before this call (their records are not this call's).
    """
    record = TwilioRecord()
    try:
        asyncio.run(_converse(url, record, listen_s))
    except (OSError, TimeoutError, ConnectionClosed) as exc:
        record.error = repr(exc)
    record.session_id, record.messages = _filed(db, known or set())
    return record
