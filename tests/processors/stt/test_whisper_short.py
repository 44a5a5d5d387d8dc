"""ShortWindowDecoder: Whisper on a window fitted to the utterance, against the full 30 s window."""

from __future__ import annotations

import numpy as np
import pytest

from tests.processors.stt.sentences import HELD_SENTENCES
from tests.speech import synthesize, with_pauses, word_accuracy
from voicegraph.framework.errors import VoiceError
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.processors.stt.whisper_short import cut_restart


def test_cut_restart_drops_a_repeat_of_the_opening_after_a_sentence_end() -> None:
    text = "What is the capital of France? What is the capital"
    assert cut_restart(text) == "What is the capital of France?"
    assert cut_restart("turn off the lights. Turn off the") == "turn off the lights."


def test_cut_restart_keeps_text_that_does_not_start_over() -> None:
    text = "What is it? It is what it is. What is next?"
    assert cut_restart(text) == text
    assert cut_restart("Hi there") == "Hi there"
    assert cut_restart("") == ""


# Piper (no generator noise) speaks the same audio every run; eSpeak NG's differs by a few
# samples from call to call, and Whisper's words on the held sentences with it: one sentence
# scored 0.29 against 0.57 in one run (mean 0.842 against 0.876). Its margin allows that.
@pytest.mark.parametrize(("voice", "margin"), [("piper", 0.03), ("espeak", 0.06)])
def test_the_short_window_is_as_accurate_as_the_full_window(voice: str, margin: float) -> None:
    short, full = WhisperEngine(), WhisperEngine(context_s=None)
    audio = [synthesize(s, engine=voice) for s in HELD_SENTENCES]
    a_short = [word_accuracy(s, short.transcribe(a).text) for s, a in zip(HELD_SENTENCES, audio, strict=True)]
    a_full = [word_accuracy(s, full.transcribe(a).text) for s, a in zip(HELD_SENTENCES, audio, strict=True)]
    assert sum(a_short) / len(a_short) >= sum(a_full) / len(a_full) - margin


def test_a_long_utterance_with_pauses_is_transcribed_whole_and_once() -> None:
    lines = ["I need to change my flight to London next week.", "My meeting moved to Thursday."]
    pcm, _ = with_pauses([0.3, lines[0], 0.8, lines[1], 0.4], engine="piper")
    text = WhisperEngine().transcribe(pcm).text
    assert word_accuracy(" ".join(lines), text) >= 0.85, text
    assert text.lower().count("london") == 1


def test_noise_and_silence_give_no_words() -> None:
    rng = np.random.default_rng(7)
    engine = WhisperEngine()
    for samples, rms in ((16000, 300.0), (32000, 1000.0), (8000, 50.0)):
        noise = (rng.standard_normal(samples) * rms).astype(np.int16)
        assert engine.transcribe(noise).text == ""
    assert engine.transcribe(np.zeros(24000, np.int16)).text == ""


def test_a_context_outside_whispers_window_is_refused() -> None:
    with pytest.raises(VoiceError) as info:
        WhisperEngine(context_s=45.0)
    assert info.value.code.value == "invalid_config"


def test_quiet_speech_passes_the_energy_gate() -> None:
    """Speech at -30 dBFS peak frame (a soft caller) is still read, not gated as silence."""
    engine = WhisperEngine()
    sentence = HELD_SENTENCES[0]
    pcm = synthesize(sentence, engine="piper").astype(np.float64)
    frames = pcm[: len(pcm) // 480 * 480].reshape(-1, 480)
    loudest = float(np.sqrt((frames * frames).mean(axis=1)).max())
    quiet = (pcm * (1000.0 / loudest)).astype(np.int16)
    assert word_accuracy(sentence, engine.transcribe(quiet).text) >= 0.8
