"""PocketSphinxEngine: CMU PocketSphinx 5 streaming recognition with its bundled en-us model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.processors.stt.recognizer import Recognition

if TYPE_CHECKING:
    from numpy.typing import NDArray

_GRAMMAR = "grammar"


class PocketSphinxEngine:
    """Decodes audio as it arrives; a `Recognizer` with interim hypotheses.

    Args:
        grammar: optional JSGF grammar text; when given, only sentences it accepts are
            recognised (much more accurate for commands), instead of the bundled
            general English language model.
        words: extra pronunciations, word -> phones (CMU style, e.g. "HH AH L OW").

    Raises:
        VoiceError: `missing_dependency` without pocketsphinx; `invalid_config` for a
            grammar that does not parse or uses unknown words.
    """

    def __init__(self, *, grammar: str | None = None, words: dict[str, str] | None = None) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise missing_dependency("local", "pocketsphinx") from exc
        self._decoder: Any = Decoder(samprate=16000, loglevel="FATAL")
        try:
            for word, phones in (words or {}).items():
                self._decoder.add_word(word, phones, True)
            if grammar is not None:
                self._decoder.add_jsgf_string(_GRAMMAR, grammar)
                self._decoder.activate_search(_GRAMMAR)
        except (ValueError, RuntimeError, KeyError) as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad PocketSphinx grammar or words: {exc}") from exc
        self._open = False

    def begin(self, preroll: NDArray[np.int16]) -> None:
        """Start an utterance and decode its pre-roll."""
        if self._open:
            self._decoder.end_utt()
        self._decoder.start_utt()
        self._open = True
        if len(preroll):
            self._decoder.process_raw(preroll.tobytes(), False, False)

    def feed(self, pcm: NDArray[np.int16]) -> str | None:
        """Decode more audio; returns the current best hypothesis ('' or None if none)."""
        if not self._open:
            return None
        self._decoder.process_raw(np.ascontiguousarray(pcm, dtype=np.int16).tobytes(), False, False)
        hyp = self._decoder.hyp()
        return hyp.hypstr if hyp is not None else None

    def end(self) -> Recognition:
        """End the utterance; the final hypothesis, confidence = mean word posterior."""
        if not self._open:
            return Recognition(text="", confidence=0.0, language="en")
        self._decoder.end_utt()
        self._open = False
        hyp = self._decoder.hyp()
        if hyp is None:
            return Recognition(text="", confidence=0.0, language="en")
        probs = [min(1.0, float(s.prob)) for s in self._decoder.seg() if not _is_filler(s.word)]
        confidence = sum(probs) / len(probs) if probs else 0.0
        return Recognition(text=hyp.hypstr, confidence=confidence, language="en")


def _is_filler(word: str) -> bool:
    """Sentence marks, silence and noise tokens, which carry no words."""
    return word.startswith(("<", "[", "++"))
