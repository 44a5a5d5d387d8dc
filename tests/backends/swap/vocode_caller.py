"""Swap caller for `vocode`: vocode's own conversation client (vocode_client.py, run in the
vocode venv from scripts/vocode_env.sh, since vocode pins packages that clash with
voicegraph's) talks to `/conversation`; the user's words come back as vocode
`TranscriptMessage`s from sender `human`."""

from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import numpy as np

from tests.backends.providers.vocode.vocode_env import vocode_python

from .call_result import CallResult
from .listening import spoken_question

CLIENT = Path(__file__).with_name("vocode_client.py")


def vocode_call(url: str, workdir: Path) -> CallResult:
    """Run vocode's client against `url` (ws://host:port/conversation); what came back."""
    question, bot = workdir / "question.wav", workdir / "vocode-bot.wav"
    with wave.open(str(question), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(spoken_question(16000).astype("<i2").tobytes())
    done = subprocess.run(
        [vocode_python(), str(CLIENT), url, str(question), str(bot)],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    result = CallResult("vocode")
    if done.returncode != 0 or not done.stdout.strip():
        result.notes["error"] = f"vocode client exited {done.returncode}: {done.stderr[-2000:]}"
        return result
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    result.user_text = " ".join(text for sender, text in summary["transcripts"] if sender == "human")
    with wave.open(str(bot), "rb") as w:
        result.bot = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int16)
    result.notes["transcripts"] = summary["transcripts"]
    return result
