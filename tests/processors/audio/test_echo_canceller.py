"""Echo cancellation against the played reference (issue 19), with real Silero and AEC3."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.processors.audio.echo_room import RATE, bot_speech, echo, mix, place
from tests.processors.vad.barge_in_set import barge_words
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K, AudioFormat, SampleFormat
from voicegraph.processors.audio.echo_double_talk import DoubleTalkBypass
from voicegraph.processors.audio.echo_reference import EchoReference
from voicegraph.processors.audio.echo_webrtc_engine import WebRTCEchoEngine
from voicegraph.processors.vad.barge_in_onset import BargeInParams
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.processors.vad.vad_engine import create_vad_engine
from voicegraph.processors.vad.vad_stream import VADStream

MS = 1_000_000


def cancel(mic: NDArray[np.int16], played: NDArray[np.int16], *, bypass: bool = True) -> NDArray[np.int16]:
    """Run mic and the played reference through AEC3 via an EchoReference timeline,
    then (`bypass`) the DoubleTalkBypass, as the EchoCanceller node does."""
    ref = EchoReference(RATE, span_s=1.0)
    eng = WebRTCEchoEngine(RATE)
    gate = DoubleTalkBypass()
    out = []
    for i in range(0, mic.size - 319, 320):  # 20 ms: the playout writes, the mic frame comes in
        ref.write(played[i : i + 320].tobytes(), PCM16K, i * 1_000_000_000 // RATE)
        for k in (i, i + 160):
            near, far = mic[k : k + 160], ref.read(k * 1_000_000_000 // RATE, 160)
            cleaned = eng.process(near, far)
            out.append(gate.choose(near, far, cleaned) if bypass else cleaned)
    return np.concatenate(out)


def starts(pcm: NDArray[np.int16]) -> list[float]:
    """Silero user starts (s) with the stock agent's VAD and the barge-in rule on."""
    stream = VADStream(
        create_vad_engine("silero", RATE), VADParams(start_secs=0.2, stop_secs=0.1), barge=BargeInParams()
    )
    stream.analyzer.bot_speaking = True
    found: list[float] = []
    for i in range(0, pcm.size, 320):
        found += [e.at_ns / 1e9 for e in stream.push(pcm[i : i + 320]) if e.speaking]
    return found


def played_signal() -> NDArray[np.int16]:
    bot = bot_speech()
    return np.concatenate((np.zeros(RATE // 2, np.int16), bot[: 4 * RATE]))


@pytest.mark.parametrize(("delay_ms", "level_db"), [(20.0, -10.0), (200.0, -10.0)])
def test_echo_of_the_bot_starts_no_user_speech_once_cancelled(delay_ms: float, level_db: float) -> None:
    played = played_signal()
    mic = mix(echo(played, delay_ms=delay_ms, level_db=level_db))
    assert starts(mic), "the raw echo should look like speech to the VAD (else the test proves nothing)"
    assert starts(cancel(mic, played)) == []


def test_barge_in_over_the_echo_still_starts_the_user() -> None:
    played = played_signal()
    word = next(w for w in barge_words() if w.label == "piper/1.0/Hold on").pcm
    at_s = 3.0
    mic = mix(echo(played, delay_ms=100.0, level_db=-10.0), place(word, at_s, played.size))
    found = [s for s in starts(cancel(mic, played)) if s >= at_s]
    assert found and found[0] - at_s < 0.5


def test_barge_in_on_a_line_without_echo_still_starts_the_user() -> None:
    # AEC3 alone suppresses the user where it finds no echo path; the bypass lets them through
    played = played_signal()
    word = next(w for w in barge_words() if w.label == "piper/1.0/Hold on").pcm
    mic = mix(place(word, 3.0, played.size))
    found = [s for s in starts(cancel(mic, played)) if s >= 3.0]
    assert found and found[0] - 3.0 < 0.5


def test_bypass_refuses_a_negative_margin() -> None:
    with pytest.raises(VoiceError) as err:
        DoubleTalkBypass(margin_db=-1.0)
    assert err.value.code == ErrorCode.INVALID_CONFIG


def test_reference_reads_what_played_at_that_time_and_zeros_elsewhere() -> None:
    ref = EchoReference(RATE)
    tone = (np.arange(320) % 50 * 100).astype(np.int16)
    ref.write(tone.tobytes(), PCM16K, 1000 * MS)
    got = ref.read(990 * MS, 480)
    assert not got[:160].any()
    assert np.array_equal(got[160:], tone)


def test_reference_converts_a_24k_stereo_output_to_its_rate() -> None:
    ref = EchoReference(RATE)
    fmt = AudioFormat(24000, 2, SampleFormat.S16)
    ref.write(np.full(480 * 2, 1000, np.int16).tobytes(), fmt, 0)
    assert abs(ref.written_samples - 320) <= 1
    assert ref.read(5 * MS, 160).min() > 900


def test_engine_refuses_a_rate_it_cannot_take() -> None:
    with pytest.raises(VoiceError) as err:
        WebRTCEchoEngine(22050)
    assert err.value.code == ErrorCode.INVALID_CONFIG
