"""G.711 codecs: bit-exact with the ITU G.191 reference over every input, and good on speech."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio import g711_reference as ref
from tests.speech import synthesize
from voicegraph.audio import g711

ALL_PCM = np.arange(-32768, 32768, dtype=np.int16)
ALL_CODES = bytes(range(256))


def snr_db(ref_pcm: np.ndarray, out: np.ndarray) -> float:
    err = out.astype(np.float64) - ref_pcm.astype(np.float64)
    return float(10 * np.log10(np.sum(ref_pcm.astype(np.float64) ** 2) / np.sum(err**2)))


def test_mulaw_encoder_matches_the_itu_reference_for_every_16_bit_sample() -> None:
    want = bytes(ref.ulaw_compress(int(x)) for x in ALL_PCM)
    assert g711.mulaw_encode(ALL_PCM) == want


def test_alaw_encoder_matches_the_itu_reference_for_every_16_bit_sample() -> None:
    want = bytes(ref.alaw_compress(int(x)) for x in ALL_PCM)
    assert g711.alaw_encode(ALL_PCM) == want


def test_mulaw_decoder_matches_the_itu_reference_for_every_code() -> None:
    want = [ref.ulaw_expand(c) for c in ALL_CODES]
    assert g711.mulaw_decode(ALL_CODES).tolist() == want


def test_alaw_decoder_matches_the_itu_reference_for_every_code() -> None:
    want = [ref.alaw_expand(c) for c in ALL_CODES]
    assert g711.alaw_decode(ALL_CODES).tolist() == want


@pytest.mark.parametrize(
    ("pcm", "code"),
    [(0, 0xFF), (-1, 0x7F), (32767, 0x80), (-32768, 0x00), (1000, 0xCE), (-1000, 0x4E)],
)
def test_known_mulaw_codes(pcm: int, code: int) -> None:
    assert g711.mulaw_encode(np.array([pcm], np.int16)) == bytes([code])


@pytest.mark.parametrize(
    ("pcm", "code"),
    [(0, 0xD5), (-1, 0x55), (32767, 0xAA), (-32768, 0x2A), (1000, 0xFA), (-1000, 0x7A)],
)
def test_known_alaw_codes(pcm: int, code: int) -> None:
    assert g711.alaw_encode(np.array([pcm], np.int16)) == bytes([code])


def test_decoded_extremes_are_the_g711_table_end_points() -> None:
    assert g711.mulaw_decode(bytes([0x80, 0x00, 0xFF])).tolist() == [32124, -32124, 0]
    assert g711.alaw_decode(bytes([0xAA, 0x2A, 0xD5])).tolist() == [32256, -32256, 8]


def test_every_mulaw_code_survives_decode_then_encode_except_negative_zero() -> None:
    again = g711.mulaw_encode(g711.mulaw_decode(ALL_CODES))
    changed = [c for c in ALL_CODES if again[c] != c]
    assert changed == [0x7F]  # -0 decodes to 0, which encodes as +0 (0xFF)


def test_every_alaw_code_survives_decode_then_encode() -> None:
    assert g711.alaw_encode(g711.alaw_decode(ALL_CODES)) == ALL_CODES


@pytest.mark.parametrize("law", ["mulaw", "alaw"])
def test_speech_round_trip_keeps_about_38_db_snr(law: str) -> None:
    speech = synthesize("The quick brown fox jumps over the lazy dog.", rate=8000)
    speech = (speech.astype(np.int32) * 8000 // max(1, int(np.abs(speech).max()))).astype(np.int16)
    enc, dec = (
        (g711.mulaw_encode, g711.mulaw_decode) if law == "mulaw" else (g711.alaw_encode, g711.alaw_decode)
    )
    assert snr_db(speech, dec(enc(speech))) > 30.0
