"""`voicegraph run` on a recorded WAV: transcript, latency table and the conversation file."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from tests.speech import with_pauses
from voicegraph.cli import main


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("run")
    pcm, _ = with_pauses([0.5, "What is your name?", 0.3], engine="piper")
    user = folder / "user.wav"
    with wave.open(str(user), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(np.asarray(pcm, "<i2").tobytes())
    out = folder / "conversation.wav"
    capture = folder / "stdout.txt"
    import contextlib

    with open(capture, "w") as f, contextlib.redirect_stdout(f):
        code = main(["run", "--wav", str(user), "--out", str(out), "--agent", "scripted",
                     "--stt", "pocketsphinx", "--tts", "espeak"])  # fmt: skip
    assert code == 0
    return capture.read_text(), out


def test_run_prints_both_sides_of_the_conversation(run: tuple[str, Path]) -> None:
    text, _ = run
    assert "user: what is your name" in text.lower()
    assert "bot:  My name is Vee." in text


def test_run_shows_progress_while_the_conversation_plays(run: tuple[str, Path]) -> None:
    text, _ = run
    lines = text.splitlines()
    ready = next(i for i, x in enumerate(lines) if x.startswith("engines ready in "))
    played = next(i for i, x in enumerate(lines) if x.startswith("  bot: My name is Vee."))
    table = next(i for i, x in enumerate(lines) if "VAD stop" in x)
    assert ready < played < table, "each reply is shown as it plays, before the report"


def test_run_prints_a_latency_table_per_turn(run: tuple[str, Path]) -> None:
    text, _ = run
    assert "VAD stop" in text and "audio out" in text
    assert any(line.startswith("1*") for line in text.splitlines())


def test_run_writes_the_conversation_as_two_channels(run: tuple[str, Path]) -> None:
    _, out = run
    with wave.open(str(out)) as wav:
        assert wav.getnchannels() == 2
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    assert np.abs(pcm[:, 0]).max() > 1000 and np.abs(pcm[:, 1]).max() > 1000


def test_run_writes_the_latency_waterfall_beside_the_conversation(run: tuple[str, Path]) -> None:
    text, out = run
    png = out.with_name("conversation-waterfall.png")
    assert f"wrote {png}" in text
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 5_000


def test_run_with_no_plots_writes_no_waterfall(run: tuple[str, Path]) -> None:
    _, out = run
    user = out.with_name("user.wav")
    quiet = out.with_name("quiet.wav")
    code = main(["run", "--wav", str(user), "--out", str(quiet), "--agent", "scripted",
                 "--stt", "pocketsphinx", "--tts", "espeak", "--no-plots"])  # fmt: skip
    assert code == 0 and quiet.exists()
    assert not quiet.with_name("quiet-waterfall.png").exists()
