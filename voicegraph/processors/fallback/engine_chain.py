"""EngineChain: the ordered engines of a fallback slot, which one is active, and their health."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import PydanticUserError, ValidationError

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.processor import Processor
from voicegraph.framework.spec import params_model
from voicegraph.processors.fallback.engine_health import EngineHealth, EngineState

EngineSpec = Processor | Mapping[str, Any]
"""A chain entry: a processor, or `{type: <registered name>, params: {...}}`."""


class EngineChain:
    """Ordered engines of one slot; the first healthy one serves each new turn.

    Handles no frames itself (the fallback node does); holds the engines, the active
    index, per-engine `EngineHealth` and the switch count.

    Args:
        name: the chain's node name.
        engines: two or more processors of one kind (STT, TTS or LLM), best first.
    """

    def __init__(self, name: str, engines: Sequence[Processor]) -> None:
        self.name = name
        self.engines = tuple(engines)
        self.health = [EngineHealth(name=e.name, kind=type(e).__name__) for e in self.engines]
        self.active: int | None = 0
        self.switches = 0
        """Times the chain moved to another engine (within a turn or at a turn start)."""

    def first_healthy(self, *, besides: int | None = None) -> int | None:
        """The first healthy engine in chain order (not `besides`), or None."""
        for i, h in enumerate(self.health):
            if i != besides and h.state is EngineState.HEALTHY:
                return i
        return None

    def select_for_turn(self) -> int | None:
        """At a turn start: go back to the first healthy engine (a recovered one wins)."""
        best = self.first_healthy()
        if best is not None and best != self.active:
            if self.active is not None:
                self.switches += 1
            self.active = best
        return self.active

    def fail(self, index: int, err: BaseException) -> int | None:
        """Mark engine `index` failed with `err`; the next healthy engine (or None) becomes
        active."""
        h = self.health[index]
        h.state = EngineState.FAILED
        h.failures += 1
        h.last_error = str(err.code) if isinstance(err, VoiceError) else type(err).__name__
        nxt = self.first_healthy(besides=index)
        if nxt is not None:
            self.switches += 1
        self.active = nxt
        return nxt

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready state: active engine name, switches and each engine's health."""
        active = self.engines[self.active].name if self.active is not None else None
        return {
            "chain": self.name,
            "active": active,
            "switches": self.switches,
            "engines": [h.as_dict() for h in self.health],
        }


def build_engines(specs: Sequence[EngineSpec], *, chain: str) -> list[Processor]:
    """The chain's engines from `specs`: processors as they are, mappings built by type
    from the processor registry. Each engine is named `<chain>.<index>:<type>`.

    Raises:
        VoiceError: (invalid_config) fewer than two engines, or an entry that is neither
            a processor nor `{type, params}`; the message names the field
            (`engines[1].type`...); (provider_not_found) an unknown type.
    """
    if isinstance(specs, str | bytes) or not isinstance(specs, Sequence) or len(specs) < 2:
        msg = "engines: a fallback chain needs a list of 2 or more engines"
        raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=chain)
    return [_build_one(spec, i, chain) for i, spec in enumerate(specs)]


def _build_one(spec: EngineSpec, i: int, chain: str) -> Processor:
    if isinstance(spec, Processor):
        if spec.name == type(spec).__name__:  # a default name: make it unique to this chain
            spec.name = f"{chain}.{i}:{spec.name}"
        return spec
    field = f"engines[{i}]"
    if not isinstance(spec, Mapping):
        msg = f"{field}: expected {{type, params}}, got {type(spec).__name__}"
        raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=chain)
    unknown = set(spec) - {"type", "params", "name"}
    if unknown:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{field}: unknown key(s) {sorted(unknown)}", node=chain)
    kind = spec.get("type")
    params = spec.get("params") or {}
    if not isinstance(kind, str) or not kind:
        raise VoiceError(
            ErrorCode.INVALID_CONFIG, f"{field}.type: a processor type name is required", node=chain
        )
    if not isinstance(params, Mapping):
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{field}.params: expected a mapping", node=chain)
    if kind.startswith("fallback_"):
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{field}.type: a chain cannot nest {kind!r}", node=chain)
    factory = _factory(kind, field, chain)
    name = str(spec.get("name") or f"{chain}.{i}:{kind}")
    try:
        engine = factory(**_checked(factory, params), name=name)
    except TypeError as exc:  # a factory whose signature pydantic cannot model
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{field}.params: {exc}", node=chain) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = f"{field}.params.{where}: {first['msg']}"
        raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=chain) from exc
    except VoiceError as exc:
        raise VoiceError(exc.code, f"{field}: {exc.message}", node=chain) from exc
    if not isinstance(engine, Processor):
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{field}.type: {kind!r} is not a processor", node=chain)
    return engine


def _checked(factory: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` validated against the factory's signature (as graph specs do), or as they
    are when that signature has types pydantic cannot resolve."""
    try:
        model = params_model(factory)
        return dict(model.model_validate(dict(params)))
    except PydanticUserError:
        return dict(params)


def _factory(kind: str, field: str, chain: str) -> Any:
    from voicegraph.framework.registry import registry

    try:
        return registry.get("processors", kind)
    except VoiceError as exc:
        raise VoiceError(exc.code, f"{field}.type: {exc.message}", node=chain) from exc
