"""DeepgramFluxSTT (/v2/listen) against the local fake Flux, on real synthesized speech."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.fakes.deepgram_server import DeepgramFaults, FakeDeepgramServer
from tests.speech import with_pauses, word_accuracy
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    Frame,
    InputAudioFrame,
    InterimTranscriptFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.stt.deepgram_flux_stt import DeepgramFluxSTT
from voicegraph.processors.stt.flux_turn_text import FluxTurnText

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(60)]
KEY = "dg-key"
WHOLE = "Book a table for two at eight tonight please."


@pytest.fixture(scope="module")
def paused() -> NDArray[np.int16]:
    pcm, _ = with_pauses([0.4, "Book a table for two", 0.5, "at eight tonight please.", 1.4], engine="piper")
    return pcm


async def _run(stt: DeepgramFluxSTT, pcm: NDArray[np.int16], pace: float = 0.002) -> list[Frame]:
    async with Runtime(Graph.chain(stt)) as rt:
        out = rt.collect()
        for i in range(0, len(pcm), 320):
            await rt.push(InputAudioFrame(data=pcm[i : i + 320].tobytes(), format=PCM16K))
            await asyncio.sleep(pace)
        await asyncio.sleep(0.5)
        await rt.end()
    return out


def _turn_text(finals: list[TranscriptFrame]) -> str:
    """The turn's words as the user aggregator joins them (a revising final replaces)."""
    texts: list[str] = []
    for f in finals:
        texts = [f.text] if f.revises else [*texts, f.text]
    return " ".join(texts)


def _finals(out: list[Frame]) -> list[str]:
    return [f.text for f in out if isinstance(f, TranscriptFrame) and f.final]


async def test_turn_events_become_speaking_transcript_and_turn_end_frames(paused: NDArray[np.int16]) -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        stt = DeepgramFluxSTT(api_key=KEY, base_url=server.ws_base, eot_threshold=0.9)
        out = await _run(stt, paused)
    assert stt.events[0] == "StartOfTurn" and stt.events[-1] == "EndOfTurn"
    assert "EagerEndOfTurn" not in stt.events, "eager mode is off without eager_eot_threshold"
    kinds = [type(f) for f in out if not isinstance(f, InterimTranscriptFrame)]
    assert kinds.count(UserStartedSpeakingFrame) == 1 and kinds.count(TurnEndFrame) == 1
    assert kinds.index(UserStartedSpeakingFrame) < kinds.index(UserStoppedSpeakingFrame)
    assert kinds.index(TranscriptFrame) < kinds.index(TurnEndFrame)
    assert len(_finals(out)) == 1 and word_accuracy(WHOLE, _finals(out)[0]) >= 0.7


async def test_eager_mode_gives_each_word_once_across_a_resumed_turn(paused: NDArray[np.int16]) -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        stt = DeepgramFluxSTT(
            api_key=KEY, base_url=server.ws_base, eager_eot_threshold=0.3, eot_threshold=0.9
        )
        out = await _run(stt, paused)
    assert [e for e in stt.events if e != "Update"] == [
        "StartOfTurn", "EagerEndOfTurn", "TurnResumed", "EagerEndOfTurn", "EndOfTurn",
    ]  # fmt: skip
    finals = [f for f in out if isinstance(f, TranscriptFrame) and f.final]
    assert len(finals) == 2, finals
    assert word_accuracy(WHOLE, _turn_text(finals)) >= 0.7
    if stt._text.revised:  # Flux changed a word it had given: the whole turn comes again
        assert finals[-1].revises and word_accuracy(WHOLE, finals[-1].text) >= 0.7
    assert sum(isinstance(f, UserStartedSpeakingFrame) for f in out) == 2, "start, then resumed"


async def test_a_socket_dropped_mid_turn_reconnects_and_the_turn_completes(paused: NDArray[np.int16]) -> None:
    async with FakeDeepgramServer(api_key=KEY, faults=DeepgramFaults(drop_after_s=1.2)) as server:
        stt = DeepgramFluxSTT(api_key=KEY, base_url=server.ws_base, eot_threshold=0.9)
        out = await _run(stt, paused)
    assert len(server.sessions) == 2 and server.sessions[0].closed_by == "drop"
    assert word_accuracy(WHOLE, " ".join(_finals(out))) >= 0.7
    assert sum(isinstance(f, TurnEndFrame) for f in out) == 1
    assert sum(isinstance(f, UserStartedSpeakingFrame) for f in out) == 1, "the replayed turn goes on"


async def test_configure_changes_thresholds_mid_session() -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        stt = DeepgramFluxSTT(api_key=KEY, base_url=server.ws_base)
        async with Runtime(Graph.chain(stt)):
            await stt.configure(eager_eot_threshold=0.5, eot_threshold=0.8)
            await server.wait_for(lambda: bool(server.sent("ConfigureSuccess")))
    assert server.sent("ConfigureSuccess")[0]["thresholds"]["eager_eot_threshold"] == 0.5


@pytest.mark.parametrize("kw", [{"eager_eot_threshold": 0.1}, {"eot_threshold": 1.5}, {"eot_timeout_ms": 10}])
def test_thresholds_out_of_range_are_config_errors(kw: dict[str, float]) -> None:
    with pytest.raises(VoiceError) as info:
        DeepgramFluxSTT(api_key=KEY, **kw)  # type: ignore[arg-type]
    assert info.value.code is ErrorCode.INVALID_CONFIG and next(iter(kw)) in info.value.message


def test_flux_turn_text_gives_only_new_words_ignoring_case_and_punctuation() -> None:
    text = FluxTurnText()
    assert text.final("Book a table.") == ("Book a table.", False)
    assert text.final("Book a table for two, please.") == ("for two, please.", False)
    assert text.final("book a table for two please") == ("", False)
    text.reset()
    assert text.final("Book a table for 2.") == ("Book a table for 2.", False)
    assert text.final("Book a table for two. At eight, please.") == (
        "Book a table for two. At eight, please.",
        True,
    ), "a revised word: the whole turn again, marked as revising"
    assert text.revised == 1
    assert text.final("Book a table for two. At eight, please. Thanks") == ("Thanks", False)
    text.reset()
    assert text.final("Hi") == ("Hi", False)
