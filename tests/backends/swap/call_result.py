"""What one caller brought back from a served conversation: the words it saw for its own
question, and the bot's audio as it arrived (saved as a WAV beside a JSON summary)."""

from __future__ import annotations

import json
import sqlite3
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voicegraph.framework.pcm import mulaw_decode as mulaw_decode

LOUD_RMS = 200.0
"""int16 RMS above which a 20 ms chunk counts as speech."""


@dataclass
class CallResult:
    """One provider's call: `user_text` (the question as the provider reported it back),
    `bot` (the bot's audio, int16 mono at `rate`) and notes for failure messages."""

    provider: str
    user_text: str = ""
    bot: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, np.int16))
    rate: int = 16000
    notes: dict[str, Any] = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        """`bot.wav` and `result.json` in `directory`."""
        with wave.open(str(directory / "bot.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            w.writeframes(np.asarray(self.bot, dtype="<i2").tobytes())
        summary = {"provider": self.provider, "user_text": self.user_text, "notes": self.notes}
        (directory / "result.json").write_text(json.dumps(summary, default=str))

    @classmethod
    def load(cls, directory: Path) -> CallResult:
        summary = json.loads((directory / "result.json").read_text())
        with wave.open(str(directory / "bot.wav"), "rb") as w:
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int16)
        return cls(summary["provider"], summary["user_text"], pcm, rate, summary["notes"])


def loud(pcm: bytes | NDArray[np.int16]) -> bool:
    """Whether a chunk of int16 audio is louder than silence."""
    x = np.frombuffer(pcm, "<i2") if isinstance(pcm, bytes) else pcm
    return bool(len(x)) and float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) > LOUD_RMS


def filed_user_text(db: Path, timeout: float = 10.0) -> str:
    """The user's words in the first completed session of the SQLite store at `db` (where an
    operator reads them: used for providers whose protocol carries no transcript)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            with sqlite3.connect(db) as conn:
                rows = conn.execute("SELECT record FROM sessions WHERE state = 'completed'").fetchall()
            for (raw,) in rows:
                messages = json.loads(raw).get("conversation", {}).get("messages", [])
                said = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
                if said:
                    return " ".join(said)
        time.sleep(0.1)
    return ""
