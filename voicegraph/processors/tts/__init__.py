"""Text-to-speech nodes that run in-process: eSpeak NG (formant) and Piper (neural)."""

from voicegraph.processors.tts.espeak_tts import EspeakTTS as EspeakTTS
from voicegraph.processors.tts.piper_tts import PiperTTS as PiperTTS
from voicegraph.processors.tts.streaming_tts import SpeechEngine as SpeechEngine
from voicegraph.processors.tts.streaming_tts import StreamingTTS as StreamingTTS

__all__ = ["EspeakTTS", "PiperTTS", "SpeechEngine", "StreamingTTS"]
