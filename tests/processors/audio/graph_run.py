"""Run processors in a real Graph/Runtime and collect what leaves the sink."""

from __future__ import annotations

from collections.abc import Sequence

from voicegraph.framework import Graph, Processor, Runtime
from voicegraph.framework.formats import AudioFormat
from voicegraph.framework.frames import AudioFrame, Frame, InputAudioFrame


def audio_frames(
    data: bytes, fmt: AudioFormat, chunk_ms: float, cls: type[AudioFrame] = InputAudioFrame
) -> list[AudioFrame]:
    """`data` cut into frames of `chunk_ms` (the last may be shorter)."""
    size = int(fmt.rate * chunk_ms / 1000) * fmt.frame_bytes
    return [cls(data=data[i : i + size], format=fmt) for i in range(0, len(data), size)]


async def run_graph(
    procs: Sequence[Processor] | Graph, frames: Sequence[Frame], *, input_format: AudioFormat | None = None
) -> list[Frame]:
    """Push `frames` through a chain of `procs` (or a graph), end the stream, return the output."""
    graph = procs if isinstance(procs, Graph) else Graph.chain(*procs, input_format=input_format)
    async with Runtime(graph) as rt:
        out = rt.collect()
        for frame in frames:
            await rt.push(frame)
        await rt.end()
    return out


def audio_out(frames: Sequence[Frame]) -> list[AudioFrame]:
    """The audio frames among `frames`."""
    return [f for f in frames if isinstance(f, AudioFrame)]
