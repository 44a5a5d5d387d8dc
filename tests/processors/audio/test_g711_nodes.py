"""G711Encoder and G711Decoder nodes in a running graph."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.processors.audio.graph_run import audio_frames, audio_out, run_graph
from tests.speech import synthesize
from voicegraph.audio import g711
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import InputAudioFrame
from voicegraph.processors.audio import G711Decoder, G711Encoder
from voicegraph.processors.audio.g711_encoder import Law

PCM8K = AudioFormat(8000, 1, SampleFormat.S16)


@pytest.mark.anyio
@pytest.mark.parametrize(("law", "encode"), [("mulaw", g711.mulaw_encode), ("alaw", g711.alaw_encode)])
async def test_encoder_node_emits_the_g711_codes_of_each_frame(
    law: Law, encode: Callable[[NDArray[np.int16]], bytes]
) -> None:
    speech = synthesize("Your call is important to us.", rate=8000)
    out = audio_out(await run_graph([G711Encoder(law=law)], audio_frames(speech.tobytes(), PCM8K, 20)))
    assert all(f.format == AudioFormat(8000, 1, SampleFormat(law)) for f in out)
    assert b"".join(f.data for f in out) == encode(speech)


@pytest.mark.anyio
async def test_encoder_then_decoder_gives_back_the_decoded_codes_as_s16() -> None:
    speech = synthesize("Your call is important to us.", rate=8000)
    frames = audio_frames(speech.tobytes(), PCM8K, 20)
    out = audio_out(await run_graph([G711Encoder(law="alaw"), G711Decoder()], frames))
    y = np.frombuffer(b"".join(f.data for f in out), np.int16)
    assert all(f.format == PCM8K for f in out)
    assert np.array_equal(y, g711.alaw_decode(g711.alaw_encode(speech)))


@pytest.mark.anyio
async def test_decoder_passes_linear_audio_unchanged() -> None:
    frame = InputAudioFrame(data=b"\x01\x00\x02\x00", format=PCM8K)
    assert audio_out(await run_graph([G711Decoder()], [frame])) == [frame]


def test_an_unknown_law_is_an_invalid_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        G711Encoder(law="ulaw")  # type: ignore[arg-type]
    assert err.value.code is ErrorCode.INVALID_CONFIG
