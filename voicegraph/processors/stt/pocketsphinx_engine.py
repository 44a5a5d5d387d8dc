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
    `end`, so sessions share a bounded set of loaded decoders instead of loading one
    each. When all are leased, the utterance's audio is kept and decoded in one burst
    as soon as one comes back (at a later `feed`, or at `end`; no interim hypotheses
    until then). The session's cepstral mean (PocketSphinx adapts it to the caller's line
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
        self._open = False  # an utterance is in progress (decoded or buffered)
        self._pending: list[bytes] = []  # its audio while no decoder is free
        self._closed = False  # a call still in flight after `close` must not lease again
        self._lock = threading.Lock()  # `close` may come from another thread than the decoding

    def ready(self) -> bool:
        """Whether `end` can run without going over the pool's limit (no blocking)."""
        return not self._open or self._decoder is not None or self._pool.can_lease()

    def begin(self, preroll: NDArray[np.int16]) -> None:
        """Start an utterance (leasing a decoder if one is free) and decode its pre-roll."""
        with self._lock:
            if self._closed:
                return
            held: Any = self._decoder
            if held is not None and self._open:
                held.end_utt()  # the previous utterance was never ended: drop it
            self._decoder, self._open, self._pending = None, True, []
            decoder: Any = held if held is not None else self._pool.lease()
            if decoder is None:
                if len(preroll):
                    self._pending.append(preroll.tobytes())
                return
            self._start(decoder)
            if len(preroll):
                decoder.process_raw(preroll.tobytes(), False, False)

    def feed(self, pcm: NDArray[np.int16]) -> str | None:
        """Decode more audio; returns the current best hypothesis ('' or None if none)."""
        with self._lock:
            if not self._open or len(pcm) == 0:  # PocketSphinx raises on an empty buffer
                return None
            data = np.ascontiguousarray(pcm, dtype=np.int16).tobytes()
            decoder: Any = self._decoder
            if decoder is None:
                self._pending.append(data)
                decoder = self._pool.lease()
                if decoder is None:
                    return None
                self._start(decoder)
                data, self._pending = b"".join(self._pending), []
            decoder.process_raw(data, False, False)
            hyp = decoder.hyp()
            return hyp.hypstr if hyp is not None else None

    def end(self) -> Recognition:
        """End the utterance (giving the decoder back); the final hypothesis, confidence =
        mean word posterior. Without a decoder yet, takes one (beyond the pool's limit if
        none is free) and decodes the kept audio in one burst."""
        with self._lock:
            if not self._open:
                return Recognition(text="", confidence=0.0, language="en")
            decoder: Any = self._decoder
            try:
                if decoder is None:
                    decoder = self._pool.lease() or self._pool.lease(extra=True)
                    self._start(decoder)
                    if self._pending:
                        decoder.process_raw(b"".join(self._pending), False, False)
                decoder.end_utt()
                self._cmn = decoder.get_cmn(False)
                hyp = decoder.hyp()
                if hyp is None:
                    return Recognition(text="", confidence=0.0, language="en")
                probs = [min(1.0, float(s.prob)) for s in decoder.seg() if not _is_filler(s.word)]
                confidence = sum(probs) / len(probs) if probs else 0.0
                return Recognition(text=hyp.hypstr, confidence=confidence, language="en")
            finally:
                self._open, self._pending, self._decoder = False, [], None
                if decoder is not None:
                    self._pool.give_back(decoder)

    def close(self) -> None:
        """Drop an unfinished utterance and give its decoder back (the session ended)."""
        with self._lock:
            decoder, self._decoder, self._closed = self._decoder, None, True
            was_open, self._open, self._pending = self._open, False, []
            if decoder is None:
                return
            if was_open:
                decoder.end_utt()
            self._pool.give_back(decoder)

    def _start(self, decoder: Any) -> None:
        """Hold `decoder` and start the utterance on it with this session's cepstral mean."""
        self._decoder = decoder
        decoder.set_cmn(self._cmn)
        decoder.start_utt()


def _is_filler(word: str) -> bool:
    """Sentence marks, silence and noise tokens, which carry no words."""
    return word.startswith(("<", "[", "++"))
