"""Speech-to-text nodes: in-process Whisper (faster-whisper) and PocketSphinx; streaming cloud
STT over WebSocket: Deepgram (Nova, Flux) and Cartesia (ink-whisper, and ink-2 with its turn events)."""

from voicegraph.processors.stt.cartesia_stt import CartesiaSTT as CartesiaSTT
from voicegraph.processors.stt.cartesia_turns_stt import CartesiaTurnsSTT as CartesiaTurnsSTT
from voicegraph.processors.stt.deepgram_flux_stt import DeepgramFluxSTT as DeepgramFluxSTT
from voicegraph.processors.stt.deepgram_stt import DeepgramSTT as DeepgramSTT
from voicegraph.processors.stt.pocketsphinx_stt import PocketSphinxSTT as PocketSphinxSTT
from voicegraph.processors.stt.recognizer import Recognition as Recognition
from voicegraph.processors.stt.recognizer import Recognizer as Recognizer
from voicegraph.processors.stt.utterance_stt import UtteranceSTT as UtteranceSTT
from voicegraph.processors.stt.whisper_stt import WhisperSTT as WhisperSTT

__all__ = [
    "CartesiaSTT",
    "CartesiaTurnsSTT",
    "DeepgramFluxSTT",
    "DeepgramSTT",
    "PocketSphinxSTT",
    "Recognition",
    "Recognizer",
    "UtteranceSTT",
    "WhisperSTT",
]
