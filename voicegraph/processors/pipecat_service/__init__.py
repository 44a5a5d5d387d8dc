"""Pipecat services (STT, TTS, LLM, realtime) hosted as voicegraph nodes (issue 21)."""

from voicegraph.processors.pipecat_service.pipecat_service import PipecatService as PipecatService

__all__ = ["PipecatService"]
