"""TTS text through the soxr format converter: every word once, in order, with its audio."""

from __future__ import annotations

import numpy as np
import pytest

from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import TTSAudioFrame
from voicegraph.processors.audio.format_converter import FormatConverter
from voicegraph.processors.tts.piper_tts import PiperTTS
from voicegraph.processors.tts.streaming_tts import StreamingTTS

from ..audio.graph_run import run_graph
from .tts_harness import audio, speak

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

OUT = AudioFormat(16000, 1, SampleFormat.S16)


def _words(frames: list[TTSAudioFrame]) -> list[str]:
    return [w for f in frames for w, _ in f.word_times_ms]


async def test_text_of_frames_the_resampler_holds_back_is_not_lost_or_repeated() -> None:
    fmt = AudioFormat(22050, 1, SampleFormat.S16)
    tone = (np.sin(np.arange(441) / 5) * 8000).astype(np.int16).tobytes()  # 20 ms each
    frames = [
        TTSAudioFrame(
            data=tone, format=fmt, text=f"s{i}" if i % 5 == 0 else "", word_times_ms=((f"w{i}", 5.0),)
        )
        for i in range(20)
    ]
    out = audio(await run_graph([FormatConverter(to=OUT)], frames, input_format=fmt))
    assert [f.text for f in out if f.text] == [f"s{i}" for i in range(0, 20, 5)]
    assert _words(out) == [f"w{i}" for i in range(20)]
    assert all(f.format == OUT for f in out)


async def test_word_offsets_stay_on_the_audio_timeline_after_conversion() -> None:
    fmt = AudioFormat(22050, 1, SampleFormat.S16)
    tone = (np.sin(np.arange(441) / 5) * 8000).astype(np.int16).tobytes()
    frames = [TTSAudioFrame(data=tone, format=fmt, word_times_ms=((f"w{i}", 10.0),)) for i in range(30)]
    out = audio(await run_graph([FormatConverter(to=OUT)], frames, input_format=fmt))
    starts, pos = [], 0.0
    for f in out:
        starts += [pos + ms for _, ms in f.word_times_ms]
        pos += f.duration_ms
    assert starts == pytest.approx([20.0 * i + 10.0 for i in range(30)], abs=1.0)


async def test_piper_speech_resampled_for_a_phone_keeps_every_word_of_its_sentences() -> None:
    tts: StreamingTTS = PiperTTS()
    text = "The capital of France is Paris. It is a big city."
    spoken = audio(await speak(tts, *text.split(". ")))
    phone = AudioFormat(8000, 1, SampleFormat.S16)
    out = audio(await run_graph([FormatConverter(to=phone)], spoken, input_format=spoken[0].format))
    assert [f.text for f in out if f.text] == [f.text for f in spoken if f.text]
    assert _words(out) == _words(spoken)
    assert len(_words(out)) >= 8


async def test_a_text_goes_out_with_its_first_word_after_a_lead_in() -> None:
    fmt = AudioFormat(22050, 1, SampleFormat.S16)
    tone = (np.sin(np.arange(441) / 5) * 8000).astype(np.int16).tobytes()  # 20 ms
    frames = [TTSAudioFrame(data=tone * 3, format=fmt, text="hello there", word_times_ms=(("hello", 45.0),))]
    frames += [TTSAudioFrame(data=tone, format=fmt, word_times_ms=(("there", 5.0),))]
    out = audio(await run_graph([FormatConverter(to=OUT, steady=True)], frames, input_format=fmt))
    (carrier,) = [f for f in out if f.text]
    assert out[0] is not carrier  # the lead-in came out first, on a frame of its own
    assert carrier.text == "hello there" and [w for w, _ in carrier.word_times_ms][:1] == ["hello"]
