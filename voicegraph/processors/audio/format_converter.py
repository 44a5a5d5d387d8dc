"""FormatConverter: the soxr-quality converter node, and the factory negotiation uses."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from voicegraph.audio.engine_imports import import_soxr
from voicegraph.audio.pcm_converter import PcmConverter
from voicegraph.audio.stream_resampler import StreamResampler
from voicegraph.framework.formats import AudioFormat, Encoding
from voicegraph.framework.frames.audio import AudioFrame, InputAudioFrame, TTSAudioFrame
from voicegraph.framework.frames.base import UNSTAMPED
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.negotiation import set_converter_factory
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles

if TYPE_CHECKING:
    from voicegraph.audio.stream_resampler import Quality


class FormatConverter(Processor):
    """Converts audio frames to the format `to`: rate (soxr), channels, sample format.

    Handles AudioFrame (any sample format, linear or G.711; Opus packets are refused at
    build time with not_negotiated; the converter is rebuilt when the input format
    changes, after emitting the old one's tail). Emits the same frame class in `to`,
    one frame per input frame (none while the resampler warms up). The text and word
    timings of `TTSAudioFrame`s move to the output frame holding their audio (never
    dropped when the resampler holds a frame back, never repeated on the tail).
    Latency: none
    without a rate change; with one, soxr's block buffering held in a FIFO so output
    chunk lengths are steady: about 37 ms (16/24/48 kHz), 40 ms (44.1 kHz), 115 ms
    (8 kHz) at HQ. Flush forgets held audio, except on the user's input path (frames
    are InputAudioFrame), where audio is never dropped; drain emits the held audio and
    the resampler's tail.

    Args:
        to: output format.
        quality: soxr quality recipe ("QQ" cubic, "LQ", "MQ", "HQ", "VHQ").
        steady: steady output chunk lengths (False: lower average latency, bursty output).
        src: the input format when known: the declared `latency` is then measured for
            20 ms chunks of it instead of the 40 ms class default.
        name: node name.
    """

    latency = LatencySpec(40.0, "soxr HQ block buffering when the rate changes (115 ms from 8 kHz)")

    def __init__(
        self,
        *,
        to: AudioFormat,
        quality: Quality = "HQ",
        steady: bool = True,
        src: AudioFormat | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.to = to
        if src is not None:
            ms = StreamResampler.expected_latency_ms(src.rate, self.target(src).rate, quality=quality)
            self.latency = LatencySpec(
                ms, f"soxr {quality} buffering, {src.rate} -> {self.target(src).rate} Hz"
            )
        self._quality: Quality = quality
        self._steady = steady
        self._core: PcmConverter | None = None
        self._template: AudioFrame | None = None
        self._text = _TextCarry()

    def target(self, src: AudioFormat) -> AudioFormat:
        """The output format for input in `src`."""
        return self.to

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """`target(input_format)`; None when the input carries no audio."""
        return self.target(input_format) if input_format is not None else None

    def accepts_format(self, fmt: AudioFormat) -> bool:
        """Sample audio (linear PCM or G.711) as declared in `accepts`; never Opus packets."""
        return fmt.sample_format.encoding is not Encoding.OPUS and super().accepts_format(fmt)

    @property
    def latency_ms(self) -> float:
        """The latency measured on the running stream (0 before the first frame)."""
        return self._core.latency_ms if self._core is not None else 0.0

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        core = self._core
        if core is None or core.src != frame.format:
            await self._emit_tail(out)
            core = self._core = PcmConverter(
                frame.format, self.target(frame.format), quality=self._quality, steady=self._steady
            )
        self._template = frame
        data = core.convert(frame.data)
        if isinstance(frame, TTSAudioFrame):
            self._text.hold(frame.text, frame.word_times_ms)
        self._text.advance_in(frame.duration_ns)
        if data:
            await out.send(self._text.attach(dataclasses.replace(frame, data=data, format=core.dst)))

    async def on_flush(self) -> None:
        if self._core is not None and not isinstance(self._template, InputAudioFrame):
            self._core.reset()
            self._text = _TextCarry()

    async def on_drain(self, out: Outbox) -> None:
        await self._emit_tail(out)

    async def _emit_tail(self, out: Outbox) -> None:
        core, template = self._core, self._template
        if core is None or template is None:
            return
        data = core.finish()
        if data:
            # a new frame for the tail: stamped now, not with the template's epoch
            tail = dataclasses.replace(template, data=data, format=core.dst, pts=UNSTAMPED, epoch=UNSTAMPED)
            await out.send(self._text.attach(tail, last=True))
        self._text = _TextCarry()


class _TextCarry:
    """Moves TTS text from input frames to the output frames that hold their audio.

    Positions are stream times: a word at input time t (ns of input before it) plays at
    output time t, since the resampler delays audio but keeps its timeline.
    """

    def __init__(self) -> None:
        self._in_ns = 0
        self._out_ns = 0
        self._texts: list[tuple[int, str]] = []
        self._words: list[tuple[str, int]] = []

    def hold(self, text: str, words: tuple[tuple[str, float], ...]) -> None:
        """Text and word offsets (ms) of an input frame starting at the current input time.

        The text goes out with its first word (on the same output frame), so the output
        never sees a timed text without its timing.
        """
        if text:
            lead = int(words[0][1] * 1_000_000) if words else 0
            self._texts.append((self._in_ns + lead, text))
        self._words += [(w, self._in_ns + int(ms * 1_000_000)) for w, ms in words]

    def advance_in(self, ns: int) -> None:
        """An input frame of `ns` was taken."""
        self._in_ns += ns

    def attach(self, frame: AudioFrame, *, last: bool = False) -> AudioFrame:
        """`frame` (the next output) with the held text that starts within it."""
        start, end = self._out_ns, self._out_ns + frame.duration_ns
        self._out_ns = end
        if not isinstance(frame, TTSAudioFrame):
            return frame
        texts = [t for at, t in self._texts if last or at < end]
        words = [(w, max(0, at - start) / 1e6) for w, at in self._words if last or at < end]
        self._texts = [] if last else [(at, t) for at, t in self._texts if at >= end]
        self._words = [] if last else [(w, at) for w, at in self._words if at >= end]
        return dataclasses.replace(frame, text=" ".join(texts), word_times_ms=tuple(words))


def create_converter(src: AudioFormat, dst: AudioFormat) -> Processor:
    """Converter factory for format negotiation: a `FormatConverter` from `src` to `dst`.

    Register it with `register_converter()`.
    """
    return FormatConverter(to=dst, src=src)


def register_converter() -> None:
    """Make format negotiation insert `FormatConverter` (soxr) for every graph built from now on.

    Process-wide; `voicegraph.framework.negotiation.set_converter_factory(None)` undoes it.

    Raises:
        VoiceError: (missing_dependency) soxr is not installed.
    """
    import_soxr()
    set_converter_factory(create_converter)
