"""Declarative graphs: a YAML or dict spec validated by pydantic, built from the registry."""

from __future__ import annotations

import collections.abc
import inspect
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PydanticUserError,
    ValidationError,
    create_model,
    model_validator,
)

from voicegraph.framework.edge import Overflow
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.graph import EdgeConfig, Graph
from voicegraph.framework.registry import Registry, registry

if TYPE_CHECKING:
    from voicegraph.framework.negotiation import ConverterFactory


class EdgeSpec(BaseModel):
    """The edge in front of a node."""

    model_config = ConfigDict(extra="forbid")
    capacity: int = Field(8, ge=1, le=1_000_000)
    overflow: Overflow = Overflow.BLOCK
    queued: bool | None = None


class FormatSpec(BaseModel):
    """An audio format."""

    model_config = ConfigDict(extra="forbid")
    rate: int = Field(16000, gt=0, le=384_000)
    channels: int = Field(1, ge=1, le=32)
    sample_format: SampleFormat = SampleFormat.S16

    def to_format(self) -> AudioFormat:
        """As an `AudioFormat`."""
        return AudioFormat(self.rate, self.channels, self.sample_format)


class NodeSpec(BaseModel):
    """One node: a registered `type` and its typed `params`."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    type: str
    params: dict[str, Any] = Field(default_factory=dict)
    edge: EdgeSpec | None = None


class GraphSpec(BaseModel):
    """A whole graph. Without `links`, nodes form a chain in the order listed."""

    model_config = ConfigDict(extra="forbid")
    name: str = "graph"
    input_format: FormatSpec | None = None
    latency_budget_ms: float | None = Field(None, gt=0)
    nodes: list[NodeSpec] = Field(min_length=1)
    links: list[tuple[str, str]] | None = None

    @model_validator(mode="after")
    def _check_refs(self) -> GraphSpec:
        ids = [n.id for n in self.nodes]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate node ids: {dupes}")
        for a, b in self.links or []:
            for end in (a, b):
                if end not in ids:
                    raise ValueError(f"link {a} -> {b} names unknown node {end!r}")
        return self


def _fmt_errors(exc: ValidationError, prefix: str) -> list[str]:
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        out.append(f"{prefix}{loc}: {e['msg']}" if loc else f"{prefix}{e['msg']}")
    return out


def load_spec(source: str | Path | dict[str, Any]) -> GraphSpec:
    """Parse and validate a spec from a dict, a YAML string or a YAML file path.

    Raises:
        VoiceError: (invalid_config) with one detail line per mistake.
    """
    data: Any = source
    is_path = isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml"))
    if isinstance(source, Path) or (is_path and isinstance(source, str)):
        data = Path(source).read_text()
    if isinstance(data, str):
        try:
            data = yaml.safe_load(data)
        except yaml.YAMLError as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"graph spec is not valid YAML: {exc}") from exc
    try:
        return GraphSpec.model_validate(data)
    except ValidationError as exc:
        details = tuple(_fmt_errors(exc, ""))
        raise VoiceError(ErrorCode.INVALID_CONFIG, "invalid graph spec", details=details) from exc


_KNOWN_TYPES: dict[str, Any] = {
    "AudioFormat": AudioFormat,
    "SampleFormat": SampleFormat,
    "Any": Any,
    **{n: getattr(collections.abc, n) for n in ("Callable", "Mapping", "Sequence", "Iterable")},
}


def _resolve(annotation: Any, owner: Any) -> Any:
    """Evaluate one postponed annotation; names imported only for type checking fall back
    to common framework types, and unknown ones to Any (the node then checks its input)."""
    if annotation is inspect.Parameter.empty:
        return Any
    if not isinstance(annotation, str):
        return annotation
    namespace = {**_KNOWN_TYPES, **getattr(owner, "__globals__", {})}
    try:
        return eval(annotation, namespace)
    except Exception:
        return Any


def params_model(factory: Any) -> type[BaseModel]:
    """The pydantic model of a factory's parameters: its `Params`, else its signature."""
    explicit = getattr(factory, "Params", None)
    if isinstance(explicit, type) and issubclass(explicit, BaseModel):
        return explicit
    target = factory.__init__ if inspect.isclass(factory) else factory
    fields: dict[str, Any] = {}
    for p in inspect.signature(target).parameters.values():
        if p.name in ("self", "name") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (_resolve(p.annotation, target), default)
    config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    model: type[BaseModel] = create_model(
        f"{getattr(factory, '__name__', 'node')}Params", __config__=config, **fields
    )
    return model


def build_graph(
    spec: GraphSpec | str | Path | dict[str, Any],
    *,
    reg: Registry | None = None,
    converter_factory: ConverterFactory | None = None,
) -> Graph:
    """Create the processors of `spec` by type, link them, and build the graph.

    Raises:
        VoiceError: (invalid_config) unknown types or bad params, each named by node and
            field; (not_negotiated) formats that do not fit.
    """
    spec = spec if isinstance(spec, GraphSpec) else load_spec(spec)
    reg = reg or registry
    graph = Graph(spec.name, input_format=spec.input_format.to_format() if spec.input_format else None)
    graph.converter_factory = converter_factory
    problems: list[str] = []
    for i, node in enumerate(spec.nodes):
        where = f"nodes[{i}] (id={node.id}, type={node.type}): "
        try:
            factory = reg.get("processors", node.type)
            params = params_model(factory).model_validate(node.params)
            proc = factory(**dict(params), name=node.id)
        except ValidationError as exc:
            problems.extend(_fmt_errors(exc, where + "params."))
            continue
        except VoiceError as exc:
            problems.append(where + exc.message)
            continue
        except (PydanticUserError, TypeError, ValueError) as exc:  # the node's own signature or checks
            problems.append(f"{where}cannot be created: {type(exc).__name__}: {exc}".splitlines()[0])
            continue
        e = node.edge
        cfg = EdgeConfig(e.capacity, e.overflow, e.queued) if e else EdgeConfig()
        graph.add(proc, name=node.id, edge=cfg)
    if problems:
        msg = f"graph spec {spec.name!r} has errors"
        raise VoiceError(ErrorCode.INVALID_CONFIG, msg, details=tuple(problems))
    ids = [n.id for n in spec.nodes]
    for a, b in spec.links if spec.links is not None else itertools.pairwise(ids):
        graph.link(a, b)
    graph.build()
    if spec.latency_budget_ms is not None:
        graph.check_latency_budget(spec.latency_budget_ms)
    return graph
