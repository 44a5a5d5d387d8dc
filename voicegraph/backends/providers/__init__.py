"""Backend providers, one module or package each: memory, websocket, twilio, webrtc, livekit,
daily, vocode, vapi, pipecat.

Providers are registered in the `voicegraph.backends` registry group; `register_builtin()`
registers them (and the processors of `PROCESSORS`) in code too, for installs whose entry
points are not yet refreshed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.backends.backend import Backend
from voicegraph.framework.registry import Registry, registry

if TYPE_CHECKING:
    from voicegraph.backends.backend import BackendProvider

BUILTIN = {
    "memory": "voicegraph.backends.providers.memory:MemoryProvider",
    "websocket": "voicegraph.backends.providers.websocket:WebSocketProvider",
    "twilio": "voicegraph.backends.providers.twilio:TwilioProvider",
    "webrtc": "voicegraph.backends.providers.webrtc:WebRTCProvider",
    "livekit": "voicegraph.backends.providers.livekit:LiveKitProvider",
    "livekit_worker": "voicegraph.backends.providers.livekit_worker:LiveKitWorkerProvider",
    "vocode": "voicegraph.backends.providers.vocode:VocodeProvider",
    "daily": "voicegraph.backends.providers.daily:DailyProvider",
    "vapi": "voicegraph.backends.providers.vapi:VapiProvider",
    "pipecat": "voicegraph.backends.providers.pipecat:PipecatProvider",
}
PROCESSORS = {
    "echo_agent": "voicegraph.processors.agent.echo_agent:EchoAgent",
    "vapi_call": "voicegraph.processors.s2s.vapi_call:VapiCall",
    "cartesia_tts": "voicegraph.processors.tts.cartesia_tts:CartesiaTTS",
    "cartesia_stt": "voicegraph.processors.stt.cartesia_stt:CartesiaSTT",
    "cartesia_turns_stt": "voicegraph.processors.stt.cartesia_turns_stt:CartesiaTurnsSTT",
    "deepgram_stt": "voicegraph.processors.stt.deepgram_stt:DeepgramSTT",
    "deepgram_flux_stt": "voicegraph.processors.stt.deepgram_flux_stt:DeepgramFluxSTT",
    "fallback_stt": "voicegraph.processors.fallback:FallbackSTT",
    "fallback_tts": "voicegraph.processors.fallback:FallbackTTS",
    "fallback_llm": "voicegraph.processors.fallback:FallbackLLM",
    "pipecat_service": "voicegraph.processors.pipecat_service:PipecatService",
}
"""Processors not in the core list that `voicegraph serve` registers before reading a
config, so they are found by type even where the entry points are not refreshed."""


def _load(path: str) -> Any:
    import importlib

    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def register_builtin(reg: Registry | None = None) -> None:
    """Register the built-in backend providers and the `echo_agent` processor (idempotent)."""
    reg = reg or registry
    for kind, table in (("backends", BUILTIN), ("processors", PROCESSORS)):
        known = set(reg.names(kind))
        for name, path in table.items():
            if name not in known:
                reg.register(kind, name, _load(path))


def provider(name: str, reg: Registry | None = None) -> BackendProvider[Any]:
    """The backend provider registered as `name`.

    Raises:
        VoiceError: (provider_not_found) no such provider; the message lists the known ones.
    """
    register_builtin(reg)
    result: BackendProvider[Any] = (reg or registry).get("backends", name)()
    return result


def create_backend(name: str, graph: Any, **kwargs: Any) -> Backend[Any]:
    """A `Backend` of provider `name` serving `graph` (factory or spec); see `Backend`."""
    return Backend(provider(name), graph, **kwargs)


__all__ = ["BUILTIN", "PROCESSORS", "create_backend", "provider", "register_builtin"]
