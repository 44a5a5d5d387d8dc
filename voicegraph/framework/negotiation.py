"""Format negotiation at build time: insert converters or fail with `not_negotiated`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from voicegraph.framework.errors import NotNegotiatedError

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.graph import Graph
    from voicegraph.framework.processor import Processor

ConverterFactory = Callable[["AudioFormat", "AudioFormat"], "Processor"]


def _builtin_converter(src: AudioFormat, dst: AudioFormat) -> Processor:
    from voicegraph.framework.convert import AudioConverter

    return AudioConverter(src, dst)


_factory: ConverterFactory = _builtin_converter


def set_converter_factory(factory: ConverterFactory | None) -> None:
    """Use `factory(src, dst)` for inserted converters (None restores the built-in one)."""
    global _factory
    _factory = factory or _builtin_converter


def _pick(proc: Processor, have: AudioFormat) -> AudioFormat | None:
    accepts = proc.accepts or ()
    for test in (
        lambda f: f.rate == have.rate and f.channels == have.channels,
        lambda f: f.rate == have.rate,
        lambda f: True,
    ):
        for fmt in accepts:
            if test(fmt):
                return fmt
    return None


def negotiate(graph: Graph) -> None:
    """Give every node an input format, inserting converters where a link disagrees.

    Raises:
        NotNegotiatedError: (not_negotiated) a node accepts no format reachable from its input.
    """
    out_fmt: dict[str, AudioFormat | None] = {}
    for name in graph.topo_order():
        proc = graph.processors[name]
        ups = graph.upstream(name)
        incoming = [out_fmt.get(u) for u in ups] if ups else [graph.input_format]
        wanted = next((f for f in incoming if f is not None and proc.accepts_format(f)), None)
        sources: list[str | None] = list(ups) if ups else [None]
        for u, have in zip(sources, incoming, strict=True):
            if have is None or (have == wanted if wanted else proc.accepts_format(have)):
                continue
            target = wanted or _pick(proc, have)
            if target is None:
                raise NotNegotiatedError(f"{name} accepts none of {proc.accepts} (input {have})", node=name)
            conv = (graph.converter_factory or _factory)(have, target)
            conv.interruptible = proc.interruptible  # a converter on the input path keeps user audio
            mid = graph.insert_before(u, name, conv, f"convert_{u or 'input'}_{name}")
            graph.input_formats[mid] = have
            out_fmt[mid] = graph.output_formats[mid] = target
            wanted = target
        fmt = wanted or next((f for f in incoming if f is not None), None)
        graph.input_formats[name] = fmt
        out_fmt[name] = graph.output_formats[name] = proc.output_format(fmt)
