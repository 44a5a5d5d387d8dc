"""Format negotiation at build time: insert converters or fail with `not_negotiated`.

Every link is negotiated, encoded formats included: Opus packets are never converted,
and G.711 is never encoded or decoded beside a codec node (docs/architecture.md,
"Encoded formats in negotiation").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from voicegraph.framework.errors import NotNegotiatedError
from voicegraph.framework.formats import Encoding

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


def is_codec_node(proc: Processor | None) -> bool:
    """Whether `proc` is a codec node (it encodes or decodes itself: class flag `crosses_encoding`).

    Negotiation never changes a format's encoding on a codec node's input or output: a
    G711Decoder fed s16, or mu-law from a G711Encoder into an s16 node, is a wiring
    mistake, not something to paper over with a hidden encoder or decoder.
    """
    return proc is not None and proc.crosses_encoding


_CODEC_NODE = {
    (Encoding.LINEAR, Encoding.G711): "G711Encoder",
    (Encoding.G711, Encoding.LINEAR): "G711Decoder",
}


def _refusal(have: AudioFormat, target: AudioFormat, *, codec_link: bool) -> str | None:
    """Why no converter may go from `have` to `target` (None: one may)."""
    src, dst = have.sample_format.encoding, target.sample_format.encoding
    if src is Encoding.OPUS:
        return "Opus packets need an OpusDecoder first"
    if dst is Encoding.OPUS:
        return "only an OpusEncoder makes Opus packets"
    if src != dst and codec_link:
        return f"no hidden {src}-to-{dst} conversion beside a codec node: link a {_CODEC_NODE[src, dst]}"
    return None


def _pick(proc: Processor, have: AudioFormat) -> AudioFormat | None:
    accepts = proc.accepts or ()
    same = have.sample_format.encoding
    for test in (
        lambda f: f.sample_format.encoding == same and f.rate == have.rate and f.channels == have.channels,
        lambda f: f.sample_format.encoding == same and f.rate == have.rate,
        lambda f: f.sample_format.encoding == same,
        lambda f: f.rate == have.rate and f.channels == have.channels,
        lambda f: f.rate == have.rate,
        lambda f: True,
    ):
        for fmt in accepts:
            if test(fmt):
                return fmt
    return None


def _describe(accepts: tuple[AudioFormat, ...]) -> str:
    """`accepts` in a few words: "s16 at 8000/16000 Hz, 1/2 ch"."""
    kinds = "/".join(sorted({str(f.sample_format) for f in accepts}))
    rates = "/".join(str(r) for r in sorted({f.rate for f in accepts}))
    chans = "/".join(str(c) for c in sorted({f.channels for f in accepts}))
    return f"{kinds} at {rates} Hz, {chans} ch"


def _target(
    graph: Graph, src: str | None, name: str, have: AudioFormat, wanted: AudioFormat | None
) -> AudioFormat:
    """The format a converter on the link `src -> name` must make from `have`.

    Raises:
        NotNegotiatedError: (not_negotiated) no format fits, or none may be reached.
    """
    proc = graph.processors[name]
    target = wanted or _pick(proc, have)
    producer = graph.processors[src] if src is not None else None
    why = (
        "it accepts none of the formats a converter makes"
        if target is None
        else _refusal(have, target, codec_link=is_codec_node(proc) or is_codec_node(producer))
    )
    if target is None or why is not None:
        takes = f" (it takes {_describe(proc.accepts)})" if proc.accepts else ""
        raise NotNegotiatedError(
            f"{src or 'graph input'} -> {name}: {name} cannot take {have}{takes}: {why}",
            node=name,
        )
    return target


def negotiate(graph: Graph) -> None:
    """Give every node an input format, inserting converters where a link disagrees.

    Encoded formats take part like PCM: G.711 and Opus links must meet a node that takes
    them, and a converter never encodes or decodes beside a codec node nor touches Opus.

    Raises:
        NotNegotiatedError: (not_negotiated) a node accepts no format reachable from its
            input; the one-line message names both nodes and both formats.
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
            target = _target(graph, u, name, have, wanted)
            conv = (graph.converter_factory or _factory)(have, target)
            conv.interruptible = proc.interruptible  # a converter on the input path keeps user audio
            mid = graph.insert_before(u, name, conv, f"convert_{u or 'input'}_{name}")
            graph.input_formats[mid] = have
            out_fmt[mid] = graph.output_formats[mid] = target
            wanted = target
        fmt = wanted or next((f for f in incoming if f is not None), None)
        graph.input_formats[name] = fmt
        out_fmt[name] = graph.output_formats[name] = proc.output_format(fmt)
