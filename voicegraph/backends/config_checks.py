"""Checks of a serve configuration beyond its shape: names that must exist, specs that must build."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from voicegraph.framework.errors import VoiceError
from voicegraph.framework.registry import registry

_STORE_SCHEMES = ("memory", "sqlite", "redis", "rediss", "unix")
GRAPH_SHORT_FORMS = {
    "voice-agent": "voicegraph.graphs.voice_agent:STOCK_SPEC",
    "cartesia-voice-agent": "voicegraph.backends.providers.cartesia:SPEC_FILE",
}
"""`graph:` names standing for a shipped spec file (`module:attribute` of its path)."""


def short_form_spec(graph: Any) -> str | None:
    """The spec file path a short `graph:` name stands for (None: not a short form)."""
    if not isinstance(graph, str) or graph not in GRAPH_SHORT_FORMS:
        return None
    return str(import_object(GRAPH_SHORT_FORMS[graph]))


def import_object(path: str) -> Any:
    """`module:attr` -> the object.

    Raises:
        VoiceError: (invalid_config) the module or attribute does not exist.
    """
    from voicegraph.framework.errors import ErrorCode

    module, _, attr = path.partition(":")
    if not module or not attr:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{path!r} is not of the form module:attribute")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"cannot import {path!r}: {exc}") from exc


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _check_graph(data: dict[str, Any], base_dir: str) -> list[str]:
    from voicegraph.backends.graph_factory import validate_spec, with_node_params
    from voicegraph.framework.spec import load_spec

    graph = data.get("graph")
    if graph is None:
        return []  # reported by the model (missing field)
    graph = short_form_spec(graph) or graph
    if isinstance(graph, str) and ":" in graph and not graph.endswith((".yaml", ".yml")):
        try:
            import_object(graph)
        except VoiceError as err:
            return [f"graph: {err.message}"]
        return []
    problems: list[str] = []
    try:
        if isinstance(graph, str):
            path = Path(graph) if Path(graph).is_absolute() else Path(base_dir or ".") / graph
            if not path.is_file():
                return [f"graph: no such spec file {str(path)!r}"]
            graph = str(path)
        spec = load_spec(graph)
    except VoiceError as err:
        return [f"graph: {err.message}" + (f" ({d})" if d else "") for d in err.details or ("",)]
    nodes = data.get("nodes")
    if isinstance(nodes, dict) and nodes:
        ids = {n.id for n in spec.nodes}
        problems += [f"nodes.{u}: the graph has no node {u!r}" for u in nodes if u not in ids]
        known = {k: v for k, v in nodes.items() if k in ids and isinstance(v, dict)}
        spec = with_node_params(spec, known)
    return problems + [f"graph.{p}" for p in validate_spec(spec)]


def _check_hooks(data: dict[str, Any]) -> list[str]:
    from voicegraph.framework.spec import params_model

    hooks = _section(data, "hooks")
    problems: list[str] = []
    auth = _section(hooks, "auth").get("type", "none")
    if isinstance(auth, str) and auth not in ("none", "token"):
        try:
            import_object(auth)
        except VoiceError as err:
            problems.append(f"hooks.auth.type: {err.message}")
    tel = hooks.get("telephony")
    if isinstance(tel, str):
        try:
            import_object(tel)
        except VoiceError as err:
            problems.append(f"hooks.telephony: {err.message}")
    slots = hooks.get("processors")
    for i, slot in enumerate(slots if isinstance(slots, list) else []):
        if not isinstance(slot, dict) or not isinstance(slot.get("type"), str):
            continue
        where = f"hooks.processors[{i}] (type={slot['type']})"
        try:
            params_model(registry.get("processors", slot["type"])).model_validate(slot.get("params") or {})
        except VoiceError as err:
            problems.append(f"{where}: {err.message}")
        except ValidationError as exc:
            problems.extend(
                f"{where}.params.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
    return problems


def check_references(data: dict[str, Any], base_dir: str = "") -> list[str]:
    """Every name in a raw config that does not resolve: provider, graph spec (types and
    params), node overrides, hook classes, custom processors, store URL scheme."""
    problems: list[str] = []
    provider = _section(data, "backend").get("provider", "websocket")
    if isinstance(provider, str) and provider not in registry.names("backends"):
        known = ", ".join(registry.names("backends")) or "none"
        problems.append(f"backend.provider: unknown provider {provider!r} (known: {known})")
    if isinstance(provider, str):
        from voicegraph.backends.provider_options import check_options

        options = _section(data, "backend").get("options")
        problems += check_options(provider, options if isinstance(options, dict) else {})
    problems += _check_graph(data, base_dir)
    problems += _check_hooks(data)
    url = _section(data, "persistence").get("url")
    scheme = url.split(":", 1)[0] if isinstance(url, str) else ""
    if isinstance(url, str) and scheme not in _STORE_SCHEMES:
        known = ", ".join(_STORE_SCHEMES)
        problems.append(f"persistence.url: unknown store scheme {scheme!r} (known: {known})")
    return problems
