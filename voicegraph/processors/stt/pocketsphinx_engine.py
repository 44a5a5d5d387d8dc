"""PocketSphinxEngine: CMU PocketSphinx 5 streaming recognition with its bundled en-us model."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.processors.stt.decoder_pool import DecoderPool, shared_pool
from voicegraph.processors.stt.recognizer import Recognition

if TYPE_CHECKING:
    from numpy.typing import NDArray


class PocketSphinxEngine:
    """Decodes audio as it arrives; a `Recognizer` with interim hypotheses.

    Each utterance leases a decoder from a `DecoderPool` at `begin` and gives it back at
    `end`, so sessions share the loaded decoders (one per utterance in progress, not per
    session). The session's cepstral mean (PocketSphinx adapts it to the caller's line
    utterance by utterance) is carried by this engine from one decoder to the next, so
    sharing changes no result.

    Args:
        grammar: optional JSGF grammar text; when given, only sentences it accepts are
            recognised (much more accurate for commands), instead of the bundled
            general English language model.
        words: extra pronunciations, word -> phones (CMU style, e.g. "HH AH L OW").
        pool: the decoders to lease from (default: the process's pool for `grammar`
            and `words`).

    Raises:
        VoiceError: `missing_dependency` without pocketsphinx; `invalid_config` for a
            grammar that does not parse or uses unknown words.
    """

    def __init__(
        self,
        *,
        grammar: str | None = None,
        words: dict[str, str] | None = None,
        pool: DecoderPool | None = None,
    ) -> None:
        self._pool = pool or shared_pool(grammar, words)
        self._cmn = self._pool.initial_cmn
        self._decoder: Any = None
        self._open = False
        self._lock = threading.Lock()  # `close` may come from another thread than the decoding

    def begin(self, preroll: NDArray[np.int16]) -> None:
        """Start an utterance (leasing a decoder) and decode its pre-roll."""
        with self._lock:
            if self._decoder is None:
                self._decoder = self._pool.lease()
            elif self._open:
                self._decoder.end_utt()
            self._decoder.set_cmn(self._cmn)
            self._decoder.start_utt()
            self._open = True
            if len(preroll):
                self._decoder.process_raw(preroll.tobytes(), False, False)

    def feed(self, pcm: NDArray[np.int16]) -> str | None:
        """Decode more audio; returns the current best hypothesis ('' or None if none)."""
        with self._lock:
            if not self._open:
                return None
            if len(pcm) == 0:  # PocketSphinx raises on an empty buffer
                return None
            self._decoder.process_raw(np.ascontiguousarray(pcm, dtype=np.int16).tobytes(), False, False)
            hyp = self._decoder.hyp()
            return hyp.hypstr if hyp is not None else None

    def end(self) -> Recognition:
        """End the utterance (giving the decoder back); the final hypothesis, confidence =
        mean word posterior."""
        with self._lock:
            if not self._open:
                return Recognition(text="", confidence=0.0, language="en")
            decoder = self._decoder
            try:
                decoder.end_utt()
                self._cmn = decoder.get_cmn(False)
                hyp = decoder.hyp()
                if hyp is None:
                    return Recognition(text="", confidence=0.0, language="en")
                probs = [min(1.0, float(s.prob)) for s in decoder.seg() if not _is_filler(s.word)]
                confidence = sum(probs) / len(probs) if probs else 0.0
                return Recognition(text=hyp.hypstr, confidence=confidence, language="en")
            finally:
                self._open = False
                self._decoder = None
                self._pool.give_back(decoder)

    def close(self) -> None:
        """Drop an unfinished utterance and give its decoder back (the session ended)."""
        with self._lock:
            decoder, self._decoder = self._decoder, None
            if decoder is None:
                return
            if self._open:
                decoder.end_utt()
                self._open = False
            self._pool.give_back(decoder)


def _is_filler(word: str) -> bool:
    """Sentence marks, silence and noise tokens, which carry no words."""
    return word.startswith(("<", "[", "++"))
