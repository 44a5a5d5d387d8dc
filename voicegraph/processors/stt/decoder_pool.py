"""DecoderPool: PocketSphinx decoders of one configuration, shared by sessions one utterance at a time."""

from __future__ import annotations

import threading
from typing import Any

from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

GRAMMAR = "grammar"
"""Name of the JSGF search a grammar is loaded as."""


class DecoderPool:
    """PocketSphinx decoders with the same model, grammar and words, leased per utterance.

    A decoder holds one utterance's search state and is not thread-safe, so an utterance
    has one to itself from `lease` to `give_back`; nothing of it is seen by another
    session (each session keeps its own cepstral mean, see `PocketSphinxEngine`). A
    decoder is created only when every one is leased, so the pool grows to the peak
    number of utterances decoded at once, not to the number of sessions (one decoder is
    ~95 MB and ~0.3 s to create); at most `max_idle` are kept idle.

    Args:
        grammar: JSGF grammar text (None: the bundled general English model).
        words: extra pronunciations, word -> CMU phones.
        max_idle: idle decoders kept for later utterances.

    Raises:
        VoiceError: `missing_dependency` without pocketsphinx; `invalid_config` for a
            grammar that does not parse or uses unknown words (when the first decoder
            is created, in the constructor).
    """

    def __init__(
        self, *, grammar: str | None = None, words: dict[str, str] | None = None, max_idle: int = 4
    ) -> None:
        self._grammar = grammar
        self._words = dict(words or {})
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self.created = 0
        """Decoders created so far."""
        self.leased = 0
        """Decoders leased now."""
        first = self._new()
        self.initial_cmn: str = first.get_cmn(False)
        """A fresh decoder's cepstral mean: where a session's first utterance starts."""
        self._idle.append(first)

    def lease(self) -> Any:
        """A decoder for one utterance, idle or new (creating one blocks ~0.3 s)."""
        with self._lock:
            self.leased += 1
            if self._idle:
                return self._idle.pop()
        try:
            return self._new()
        except BaseException:
            with self._lock:
                self.leased -= 1
            raise

    def give_back(self, decoder: Any) -> None:
        """Return a leased decoder (its utterance ended)."""
        with self._lock:
            self.leased -= 1
            if len(self._idle) < self._max_idle:
                self._idle.append(decoder)

    def _new(self) -> Any:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise missing_dependency("local", "pocketsphinx") from exc
        decoder: Any = Decoder(samprate=16000, loglevel="FATAL")
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


def shared_pool(grammar: str | None = None, words: dict[str, str] | None = None) -> DecoderPool:
    """The process's pool for this grammar and words (`ENGINES` kind "pocketsphinx").

    Raises:
        VoiceError: as `DecoderPool`.
    """
    key = (grammar, tuple(sorted((words or {}).items())))
    return ENGINES.get("pocketsphinx", key, lambda: DecoderPool(grammar=grammar, words=words))
