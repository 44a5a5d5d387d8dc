"""PocketSphinxSTT: streaming offline speech recognition with CMU PocketSphinx 5."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.errors import missing_dependency
from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.stt.decoder_pool import shared_pool
from voicegraph.processors.stt.pocketsphinx_engine import PocketSphinxEngine
from voicegraph.processors.stt.utterance_stt import UtteranceSTT

if TYPE_CHECKING:
    from voicegraph.processors.stt.recognizer import Recognizer


class PocketSphinxSTT(UtteranceSTT):
    """Recognises each user utterance with PocketSphinx, decoding while the user speaks.

    Handles: InputAudioFrame (16 kHz mono s16), UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame (both forwarded at once) and TurnEndFrame (forwarded after
    the transcript of the turn). Emits: InterimTranscriptFrame whenever the hypothesis
    changes during the utterance, then one TranscriptFrame(final=True) with
    `speech_end_ns` from the stop event. Latency: the final result needs only the end
    of decoding, a few ms after the utterance ends (plus up to `catch_up_ms`). With a
    JSGF `grammar` only the sentences it accepts are recognised. Sessions share the
    process's decoders, one per utterance in progress up to `max_decoders`; past that an
    utterance is decoded in one burst when a decoder comes back (its final result then
    takes ~0.1 s per second of speech, plus the wait). Not interruptible
    (user input path). Drain: finishes the open utterance before the end frame.

    Args:
        grammar: JSGF grammar text (None uses the bundled general English model).
        words: extra pronunciations, word -> CMU phones.
        preroll_ms: audio kept before the start event.
        catch_up_ms: longest wait for audio queued before a stop event.
        max_utterance_s: an utterance this long is finished and a new one begun.
        forward_audio: also pass the input audio downstream.
        max_decoders: decoders the process keeps for this grammar and words, shared by
            every session (None: four per CPU core); see `DecoderPool`.
        second_pass: PocketSphinx's second search pass at each utterance's end; False
            gives the final ~40 ms sooner for ~2 points of word accuracy (`DecoderPool`).

    Raises:
        VoiceError: `missing_dependency` without pocketsphinx; `invalid_config` for a
            bad grammar (at `on_start`).
    """

    latency = LatencySpec(ms=20.0, note="PocketSphinx end of utterance")

    def __init__(
        self,
        *,
        grammar: str | None = None,
        words: dict[str, str] | None = None,
        preroll_ms: float = 300.0,
        catch_up_ms: float = 150.0,
        max_utterance_s: float = 30.0,
        forward_audio: bool = False,
        max_decoders: int | None = None,
        second_pass: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(
            preroll_ms=preroll_ms,
            catch_up_ms=catch_up_ms,
            max_utterance_s=max_utterance_s,
            forward_audio=forward_audio,
            name=name,
        )
        try:
            import pocketsphinx  # noqa: F401 - fail at construction, naming the extra
        except ImportError as exc:
            raise missing_dependency("local", "pocketsphinx") from exc
        self._grammar = grammar
        self._words = dict(words or {})
        self._max_decoders = max_decoders
        self._second_pass = second_pass

    def _load(self) -> Recognizer:
        pool = shared_pool(self._grammar, self._words, self._max_decoders, self._second_pass)
        return PocketSphinxEngine(pool=pool)
