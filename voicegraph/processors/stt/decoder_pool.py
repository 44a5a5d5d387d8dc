"""DecoderPool: PocketSphinx decoders of one configuration, shared by sessions one utterance at a time."""

from __future__ import annotations

import os
import threading
from typing import Any

from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

GRAMMAR = "grammar"
"""Name of the JSGF search a grammar is loaded as."""


class DecoderPool:
    """PocketSphinx decoders with the same model, grammar and words, leased per utterance.

    A decoder holds one utterance's search state and is not thread-safe, so an utterance
    has one to itself while it is decoded; nothing of it is seen by another session (each
    session keeps its own cepstral mean, see `PocketSphinxEngine`). One decoder is ~95 MB
    and ~0.3 s to create, so the pool holds at most `max_decoders` (created as needed,
    then kept). An utterance that starts while all are leased is buffered and decoded in
    one burst when one comes back (decoding runs ~10x faster than speech on one core),
    so memory stays bounded however many callers talk at once; `lease(extra=True)`
    creates one beyond the limit for an utterance that waited too long, dropped when
    given back.

    Args:
        grammar: JSGF grammar text (None: the bundled general English model).
        words: extra pronunciations, word -> CMU phones.
        max_decoders: decoders kept (default: four per CPU core, at least 4). Fewer
            save memory and cost latency when more callers talk at once: 10 callers
            talking together on 2 cores, 4 decoders: 0.7 GB, reply p50 1.8 s; 8: 1.1 GB,
            0.8 s (benchmarks/concurrent_callers.py).
        second_pass: run PocketSphinx's flat-lexicon second pass at the end of each
            utterance (`fwdflat`). Off, the final result comes ~40 ms sooner (end of
            utterance 7 against 48 ms p50 on 12 Piper lines) for about 2 points of word
            accuracy (0.797 against 0.819).

    Raises:
        VoiceError: `missing_dependency` without pocketsphinx; `invalid_config` for a
            grammar that does not parse or uses unknown words (when the first decoder
            is created, in the constructor).
    """

    def __init__(
        self,
        *,
        grammar: str | None = None,
        words: dict[str, str] | None = None,
        max_decoders: int | None = None,
        second_pass: bool = True,
    ) -> None:
        self._second_pass = second_pass
        self._grammar = grammar
        self._words = dict(words or {})
        self.max_decoders = max_decoders or max(4, 4 * (os.cpu_count() or 1))
        """Decoders the pool keeps (more only for utterances that waited too long)."""
        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self._live = 1  # decoders that exist (idle, leased or being created)
        self.created = 0
        """Decoders created so far."""
        self.leased = 0
        """Decoders leased now."""
        first = self._new()
        self.initial_cmn: str = first.get_cmn(False)
        """A fresh decoder's cepstral mean: where a session's first utterance starts."""
        self._idle.append(first)

    def can_lease(self) -> bool:
        """Whether `lease()` would get a decoder without going over the limit (no blocking)."""
        with self._lock:
            return bool(self._idle) or self._live < self.max_decoders

    def lease(self, *, extra: bool = False) -> Any | None:
        """An idle decoder, or a new one while under the limit (creating blocks ~0.3 s);
        None when all are leased, unless `extra` (then one is created beyond the limit)."""
        with self._lock:
            if self._idle:
                self.leased += 1
                return self._idle.pop()
            if self._live >= self.max_decoders and not extra:
                return None
            self._live += 1
            self.leased += 1
        try:
            return self._new()
        except BaseException:
            with self._lock:
                self._live -= 1
                self.leased -= 1
            raise

    def give_back(self, decoder: Any) -> None:
        """Return a leased decoder (its utterance ended); one beyond the limit is dropped."""
        with self._lock:
            self.leased -= 1
            if self._live > self.max_decoders:
                self._live -= 1
            else:
                self._idle.append(decoder)

    def _new(self) -> Any:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise missing_dependency("local", "pocketsphinx") from exc
        decoder: Any = Decoder(samprate=16000, loglevel="FATAL", fwdflat=self._second_pass)
        try:
            for word, phones in self._words.items():
                decoder.add_word(word, phones, True)
            if self._grammar is not None:
                decoder.add_jsgf_string(GRAMMAR, self._grammar)
                decoder.activate_search(GRAMMAR)
        except (ValueError, RuntimeError, KeyError) as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad PocketSphinx grammar or words: {exc}") from exc
        with self._lock:
            self.created += 1
        return decoder


def shared_pool(
    grammar: str | None = None,
    words: dict[str, str] | None = None,
    max_decoders: int | None = None,
    second_pass: bool = True,
) -> DecoderPool:
    """The process's pool for this grammar, words, size and search (`ENGINES` kind "pocketsphinx").

    Raises:
        VoiceError: as `DecoderPool`.
    """
    key = (grammar, tuple(sorted((words or {}).items())), max_decoders, second_pass)
    return ENGINES.get(
        "pocketsphinx",
        key,
        lambda: DecoderPool(grammar=grammar, words=words, max_decoders=max_decoders, second_pass=second_pass),
    )
