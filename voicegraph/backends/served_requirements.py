"""What a serve configuration needs installed: the provider's, the store's and OTEL's
packages, checked by import name before anything listens (`voicegraph serve --check`)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.framework.errors import missing_dependency

if TYPE_CHECKING:
    from voicegraph.backends.config import ServeConfig


@dataclass(frozen=True, slots=True)
class Requirement:
    """One package a served process imports: its import `module`, the pip `package` and
    the voicegraph `extra` that installs it."""

    module: str
    package: str
    extra: str

    def installed(self) -> bool:
        """Whether `module` can be imported (found, not imported)."""
        try:
            return importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):  # a parent package is missing
            return False


_WS = Requirement("websockets", "websockets", "websocket")
_LIVEKIT = (
    Requirement("livekit.rtc", "livekit", "livekit"),
    Requirement("livekit.api", "livekit-api", "livekit"),
)
PROVIDERS: dict[str, tuple[Requirement, ...]] = {
    "memory": (),
    "websocket": (_WS,),
    "twilio": (_WS,),
    "vocode": (_WS,),
    "pipecat": (_WS,),
    "webrtc": (Requirement("aiortc", "aiortc", "webrtc"),),
    "livekit": _LIVEKIT,
    "livekit_worker": _LIVEKIT,
    "daily": (Requirement("daily", "daily-python", "daily"),),
    "vapi": (Requirement("aiohttp", "aiohttp", "vapi"), Requirement("websockets", "websockets", "vapi")),
}
"""The packages each built-in provider imports when it serves (others declare none here)."""
_REDIS = Requirement("redis", "redis", "redis")
_OTEL = Requirement("opentelemetry.sdk", "opentelemetry-sdk", "otel")


def requirements(config: ServeConfig) -> tuple[Requirement, ...]:
    """Everything `config` needs installed: provider, session store, OpenTelemetry."""
    needed = list(PROVIDERS.get(config.backend.provider, ()))
    url = config.persistence.url if config.persistence.url_env is None else ""
    if url.startswith(("redis://", "rediss://")) or config.backend.options.get("ledger_url"):
        needed.append(_REDIS)
    if config.observability.enabled:
        needed.append(_OTEL)
    return tuple(dict.fromkeys(needed))


def check_installed(config: ServeConfig) -> None:
    """Raise for the first package `config` needs that is not installed.

    Raises:
        VoiceError: (missing_dependency) naming the package and the extra that installs it.
    """
    for req in requirements(config):
        if not req.installed():
            raise missing_dependency(req.extra, req.package)
