"""Speech-to-text nodes that run in-process: Whisper (faster-whisper) and PocketSphinx."""

from voicegraph.processors.stt.pocketsphinx_stt import PocketSphinxSTT as PocketSphinxSTT
from voicegraph.processors.stt.recognizer import Recognition as Recognition
from voicegraph.processors.stt.recognizer import Recognizer as Recognizer
from voicegraph.processors.stt.utterance_stt import UtteranceSTT as UtteranceSTT
from voicegraph.processors.stt.whisper_stt import WhisperSTT as WhisperSTT

__all__ = ["PocketSphinxSTT", "Recognition", "Recognizer", "UtteranceSTT", "WhisperSTT"]
