"""PocketSphinx decoders shared by sessions: one per utterance in progress, no cross-talk."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from tests.processors.stt.stt_harness import finals, run_speech
from tests.speech import synthesize, with_pauses, word_accuracy
from voicegraph.framework.engine_registry import ENGINES
from voicegraph.processors.stt import PocketSphinxSTT
from voicegraph.processors.stt.decoder_pool import DecoderPool, shared_pool
from voicegraph.processors.stt.pocketsphinx_engine import PocketSphinxEngine

FIRST = "What is the weather like in Paris tomorrow?"
SECOND = "Please book a table for four people at seven tonight."


def test_two_utterances_decoded_at_once_each_get_their_own_words() -> None:
    pool = DecoderPool()
    a, b = PocketSphinxEngine(pool=pool), PocketSphinxEngine(pool=pool)
    pa, pb = synthesize(FIRST, engine="piper"), synthesize(SECOND, engine="piper")
    a.begin(np.zeros(0, np.int16))
    b.begin(np.zeros(0, np.int16))
    for i in range(0, max(len(pa), len(pb)), 320):  # interleaved, 20 ms each
        a.feed(pa[i : i + 320])
        b.feed(pb[i : i + 320])
    ta, tb = a.end().text, b.end().text
    assert word_accuracy(FIRST, ta) >= 0.7, ta
    assert word_accuracy(SECOND, tb) >= 0.7, tb
    assert pool.created == 2 and pool.leased == 0


def speak_at_once(pool: DecoderPool) -> tuple[PocketSphinxEngine, PocketSphinxEngine]:
    """Two sessions' utterances, begun and fed at the same time, not yet ended."""
    a, b = PocketSphinxEngine(pool=pool), PocketSphinxEngine(pool=pool)
    pa, pb = synthesize(FIRST, engine="piper"), synthesize(SECOND, engine="piper")
    a.begin(np.zeros(0, np.int16))
    b.begin(np.zeros(0, np.int16))
    for i in range(0, max(len(pa), len(pb)), 320):
        a.feed(pa[i : i + 320])
        b.feed(pb[i : i + 320])
    return a, b


def test_past_the_limit_an_utterance_waits_and_is_decoded_in_one_burst() -> None:
    pool = DecoderPool(max_decoders=1)
    a, b = speak_at_once(pool)
    assert not b.ready()  # the only decoder is a's
    ta = a.end().text
    assert b.ready()
    tb = b.end().text
    assert word_accuracy(FIRST, ta) >= 0.7, ta
    assert word_accuracy(SECOND, tb) >= 0.7, tb
    assert pool.created == 1 and pool.leased == 0


def test_an_utterance_that_cannot_wait_gets_an_extra_decoder_which_is_then_dropped() -> None:
    pool = DecoderPool(max_decoders=1)
    a, b = speak_at_once(pool)
    tb = b.end().text  # a still holds the only decoder
    ta = a.end().text
    assert word_accuracy(FIRST, ta) >= 0.7 and word_accuracy(SECOND, tb) >= 0.7
    assert pool.created == 2 and pool.leased == 0
    c = PocketSphinxEngine(pool=pool)
    c.begin(np.zeros(0, np.int16))
    c.feed(synthesize(FIRST, engine="piper"))
    c.end()
    assert pool.created == 2  # the kept one served it


def test_decoders_are_reused_by_later_utterances_of_any_session() -> None:
    pool = DecoderPool()
    for text in (FIRST, SECOND, FIRST):
        engine = PocketSphinxEngine(pool=pool)
        engine.begin(np.zeros(0, np.int16))
        engine.feed(synthesize(text, engine="piper"))
        assert word_accuracy(text, engine.end().text) >= 0.7
    assert pool.created == 1


def test_a_session_closed_mid_utterance_gives_its_decoder_back() -> None:
    pool = DecoderPool()
    engine = PocketSphinxEngine(pool=pool)
    engine.begin(np.zeros(0, np.int16))
    engine.feed(synthesize(FIRST, engine="piper")[:8000])
    assert pool.leased == 1
    engine.close()
    assert pool.leased == 0
    again = PocketSphinxEngine(pool=pool)
    again.begin(np.zeros(0, np.int16))
    again.feed(synthesize(SECOND, engine="piper"))
    assert word_accuracy(SECOND, again.end().text) >= 0.7 and pool.created == 1


def test_a_begin_that_arrives_after_close_leases_nothing() -> None:
    pool = DecoderPool()
    engine = PocketSphinxEngine(pool=pool)
    engine.close()  # the session stopped while its worker thread was still queued
    engine.begin(np.zeros(0, np.int16))
    engine.feed(synthesize(FIRST, engine="piper")[:8000])
    assert pool.leased == 0 and engine.end().text == ""


@pytest.mark.anyio
async def test_a_second_session_start_loads_no_model() -> None:
    shared_pool()  # the process's pool, as a preload leaves it
    before = ENGINES.loads()
    pcm, segments = with_pauses([0.3, FIRST, 0.5], engine="piper")
    (final,) = finals(await run_speech(PocketSphinxSTT(), pcm, segments))
    assert word_accuracy(FIRST, final.text) >= 0.7
    assert ENGINES.loads() == before


@pytest.mark.anyio
async def test_two_concurrent_sessions_transcribe_their_own_utterances() -> None:
    a_pcm, a_seg = with_pauses([0.3, FIRST, 0.5], engine="piper")
    b_pcm, b_seg = with_pauses([0.5, SECOND, 0.5], engine="piper")
    out_a, out_b = await asyncio.gather(
        run_speech(PocketSphinxSTT(), a_pcm, a_seg, pace=0.01),
        run_speech(PocketSphinxSTT(), b_pcm, b_seg, pace=0.01),
    )
    (fa,), (fb,) = finals(out_a), finals(out_b)
    assert word_accuracy(FIRST, fa.text) >= 0.7, fa.text
    assert word_accuracy(SECOND, fb.text) >= 0.7, fb.text
    assert shared_pool().leased == 0


@pytest.mark.anyio
async def test_sessions_past_the_decoder_limit_still_transcribe_their_own_utterances() -> None:
    a_pcm, a_seg = with_pauses([0.3, FIRST, 0.5], engine="piper")
    b_pcm, b_seg = with_pauses([0.5, SECOND, 0.5], engine="piper")
    out_a, out_b = await asyncio.gather(
        run_speech(PocketSphinxSTT(max_decoders=1), a_pcm, a_seg, pace=0.01),
        run_speech(PocketSphinxSTT(max_decoders=1), b_pcm, b_seg, pace=0.01),
    )
    (fa,), (fb,) = finals(out_a), finals(out_b)
    assert word_accuracy(FIRST, fa.text) >= 0.7, fa.text
    assert word_accuracy(SECOND, fb.text) >= 0.7, fb.text
    pool = shared_pool(max_decoders=1)
    assert pool.created == 1 and pool.leased == 0


def test_without_the_second_pass_a_separate_pool_still_recognises_the_words() -> None:
    fast = shared_pool(second_pass=False)
    assert fast is not shared_pool()  # another search: its own decoders
    engine = PocketSphinxEngine(pool=fast)
    engine.begin(np.zeros(0, np.int16))
    engine.feed(synthesize(FIRST, engine="piper"))
    text = engine.end().text
    assert word_accuracy(FIRST, text) >= 0.6, text
    decoder = fast.lease()
    assert decoder is not None and decoder.config["fwdflat"] is False
    fast.give_back(decoder)
