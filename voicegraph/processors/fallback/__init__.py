"""Fallback chains: an STT, TTS or LLM slot served by ordered engines, best first, with
switching within a turn, background probes and per-engine health (issue 15)."""

from voicegraph.processors.fallback.engine_chain import EngineChain as EngineChain
from voicegraph.processors.fallback.engine_health import EngineHealth as EngineHealth
from voicegraph.processors.fallback.engine_health import EngineState as EngineState
from voicegraph.processors.fallback.engine_health import board as board
from voicegraph.processors.fallback.engine_health import is_failover as is_failover
from voicegraph.processors.fallback.fallback_llm import FallbackLLM as FallbackLLM
from voicegraph.processors.fallback.fallback_node import HEALTH_EVENT as HEALTH_EVENT
from voicegraph.processors.fallback.fallback_node import FallbackNode as FallbackNode
from voicegraph.processors.fallback.fallback_stt import FallbackSTT as FallbackSTT
from voicegraph.processors.fallback.fallback_tts import FallbackTTS as FallbackTTS

__all__ = [
    "HEALTH_EVENT",
    "EngineChain",
    "EngineHealth",
    "EngineState",
    "FallbackLLM",
    "FallbackNode",
    "FallbackSTT",
    "FallbackTTS",
    "board",
    "is_failover",
]
