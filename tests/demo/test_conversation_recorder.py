"""ConversationRecorder: both sides on one timeline, as two channels or one mix."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voicegraph.demo.conversation_recorder import ConversationRecorder
from voicegraph.framework.formats import AudioFormat
from voicegraph.framework.frames import OutputAudioFrame, TextFrame

S = 1_000_000_000


def recorder() -> ConversationRecorder:
    """User tone in [0, 0.5) s (pushed in 20 ms chunks), bot tone at 22.05 kHz in [1.0, 1.5) s."""
    rec = ConversationRecorder()
    tone = (8000 * np.sin(np.arange(8000) * 0.2)).astype(np.int16)
    for i in range(25):
        rec.add_user(10 * S + (i + 1) * S // 50, tone[i * 320 : (i + 1) * 320])
    bot = (8000 * np.sin(np.arange(11025) * 0.1)).astype(np.int16)
    rec.add_output(OutputAudioFrame(data=bot.tobytes(), format=AudioFormat(22050), pts=11 * S))
    rec.add_output(TextFrame(text="not audio"))
    return rec


def loud(track: np.ndarray) -> tuple[float, float]:
    idx = np.flatnonzero(np.abs(track) > 1000)
    return idx[0] / 16000, idx[-1] / 16000


def test_each_side_is_placed_where_it_was_heard() -> None:
    user, bot = recorder().tracks(16000)
    u0, u1 = loud(user)
    b0, b1 = loud(bot)
    assert (round(u0, 2), round(u1, 2)) == (0.0, 0.5)
    assert (round(b0, 2), round(b1, 2)) == (1.0, 1.5)


def test_stereo_file_has_the_user_left_and_the_bot_right(tmp_path: Path) -> None:
    path = tmp_path / "c.wav"
    seconds = recorder().write(path)
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getframerate()) == (2, 16000)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    assert round(seconds, 2) == 1.5
    assert np.abs(pcm[:8000, 1]).max() == 0 and np.abs(pcm[16000:, 0]).max() == 0


def test_mixed_file_has_one_channel(tmp_path: Path) -> None:
    path = tmp_path / "m.wav"
    recorder().write(path, layout="mix")
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1
