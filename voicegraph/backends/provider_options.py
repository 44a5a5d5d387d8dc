"""Per-provider checks of `backend.options`: unknown keys, ports out of range, wrong types.

Each provider's options become keyword arguments of its transport, so a typo
(`resume_grace` for `resume_grace_s`) used to surface as a Python traceback when the
server started. `check_options` names every mistake on one line, before anything runs.
"""

from __future__ import annotations

import difflib
import inspect
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, ValidationError, create_model

from voicegraph.framework.spec import _resolve

if TYPE_CHECKING:
    from collections.abc import Callable

_NOT_OPTIONS = frozenset({"self", "graph_factory", "session_runner", "serializer", "call_control", "manager"})
_WEBSOCKET_SERVER = {
    "reuse_port": bool, "ping_interval": float | None, "ping_timeout": float | None,
    "open_timeout": float | None, "close_timeout": float | None, "max_queue": int | None,
}  # fmt: skip
"""`websockets.serve` options the WebSocket transports pass on (its `**server_options`)."""
_TWILIO = {"account_sid": str, "auth_token": str, "api_base_url": str}
NETWORK_OPTIONS = frozenset({"host", "port", "reuse_port"})
"""Options the in-process `memory` provider accepts and ignores, so a config switches
between `memory` and a network provider by changing `provider` only."""


def _signature_fields(target: Callable[..., Any]) -> dict[str, tuple[Any, Any]]:
    fields: dict[str, tuple[Any, Any]] = {}
    for p in inspect.signature(target).parameters.values():
        if p.name in _NOT_OPTIONS or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (_resolve(p.annotation, target), default)
    return fields


def _websocket_fields() -> dict[str, tuple[Any, Any]]:
    from voicegraph.transports.websocket_transport import WebSocketTransport

    fields = _signature_fields(WebSocketTransport.__init__)
    fields.update({k: (t, None) for k, t in _WEBSOCKET_SERVER.items()})
    return fields


def _webrtc_fields() -> dict[str, tuple[Any, Any]] | None:
    try:
        from voicegraph.transports.webrtc.webrtc_transport import WebRTCTransport
    except ImportError:
        return None  # the provider reports missing_dependency itself
    return _signature_fields(WebRTCTransport.__init__)


def _livekit_fields() -> dict[str, tuple[Any, Any]] | None:
    try:
        from voicegraph.transports.livekit.livekit_config import LiveKitConfig
    except ImportError:
        return None
    fields: dict[str, tuple[Any, Any]] = {k: (Any, None) for k in LiveKitConfig.model_fields}
    fields["rooms"] = (list[str] | str, ...)
    return fields


def _memory_fields() -> dict[str, tuple[Any, Any]]:
    from voicegraph.backends.providers.memory import MemoryServer

    fields = _signature_fields(MemoryServer.__init__)
    fields.update({"host": (Any, None), "port": (Any, None), "reuse_port": (Any, None)})
    return fields


def option_fields(provider: str) -> dict[str, tuple[Any, Any]] | None:
    """The options `provider` takes, name -> (type, default); None: not known here."""
    if provider == "memory":
        return _memory_fields()
    if provider in ("websocket", "twilio"):
        fields = _websocket_fields()
        if provider == "twilio":
            fields.update({k: (t, None) for k, t in _TWILIO.items()})
        return fields
    if provider == "webrtc":
        return _webrtc_fields()
    if provider == "livekit":
        return _livekit_fields()
    if provider == "daily":
        return _daily_fields()
    if provider == "pipecat":
        return _pipecat_fields()
    return None


def _daily_fields() -> dict[str, tuple[Any, Any]]:
    from voicegraph.backends.providers.daily import DailyOptions

    return {name: (f.annotation, f.default) for name, f in DailyOptions.model_fields.items()}


def _pipecat_fields() -> dict[str, tuple[Any, Any]] | None:
    webrtc = _webrtc_fields()
    fields = {**_websocket_fields(), **(webrtc or {})}
    fields.update({
        "transport": (str, "websocket"), "sample_rate": (int, 16000), "output_sample_rate": (int, 24000),
        "offer_path": (str, "/api/offer"), "cors_origins": (Any, None),
    })  # fmt: skip
    return fields


def _is_port(key: str) -> bool:
    return key == "port" or (key.endswith("_port") and key != "reuse_port")


def _port_problems(options: dict[str, Any]) -> list[str]:
    out = []
    for key, value in options.items():
        if _is_port(key):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
                out.append(f"backend.options.{key}: {value!r} is not a port (0-65535)")
    return out


def check_options(provider: str, options: dict[str, Any]) -> list[str]:
    """Every mistake in `options` for `provider`, one line each (empty: fine)."""
    fields = option_fields(provider)
    problems = _port_problems(options)
    if fields is None:
        return problems
    for key in options:
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(fields))})"
            problems.append(f"backend.options.{key}: unknown option for provider {provider!r}{hint}")
    known = {k: v for k, v in options.items() if k in fields and not _is_port(k)}
    model = create_model(
        f"{provider}Options",
        __config__=ConfigDict(arbitrary_types_allowed=True),
        **{k: fields[k] for k in known},  # type: ignore[call-overload]
    )
    try:
        model.model_validate(known)
    except ValidationError as exc:
        for e in exc.errors():
            loc = ".".join(str(p) for p in e["loc"])
            problems.append(f"backend.options.{loc}: {e['msg']}")
    return problems
