"""RNNoiseFilter: RNNoise noise suppression as a graph node (48 kHz mono)."""

from __future__ import annotations

import asyncio
import dataclasses

import numpy as np

from voicegraph.audio import sample_codec
from voicegraph.audio.rnnoise_denoiser import RATE, RNNoiseDenoiser
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames.audio import AudioFrame
from voicegraph.framework.frames.base import UNSTAMPED
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles


class RNNoiseFilter(Processor):
    """Suppresses background noise in speech with RNNoise (weights built into the library).

    Handles AudioFrame at 48 kHz mono, s16 or f32 (negotiation converts other formats;
    `accepts` says so); emits the same frame class and format, denoised: with
    `compensate` (default) time-aligned with the input and of the same total length
    (the first 20 ms of calls emit nothing), for 20 ms chunks exactly one 20 ms chunk
    per call after that. Latency: 20 ms RNNoise lag plus up to 10 ms of framing.
    RNNoise runs in a worker thread (about 1 ms per 10 ms frame). This is a user-input
    node, so it is not interruptible: flush keeps its audio. Drain pushes the held
    audio out through RNNoise with silence.

    Args:
        compensate: remove the 20 ms lag from the output timeline (see above).
        name: node name.

    Raises:
        VoiceError: (missing_dependency) pyrnnoise is not installed.
    """

    latency = LatencySpec(30.0, "20 ms RNNoise lag + up to 10 ms framing")
    interruptible = False
    accepts = (AudioFormat(RATE, 1, SampleFormat.S16), AudioFormat(RATE, 1, SampleFormat.F32))

    def __init__(self, *, compensate: bool = True, name: str | None = None) -> None:
        super().__init__(name=name)
        self._core = RNNoiseDenoiser(compensate=compensate)
        self._template: AudioFrame | None = None

    @property
    def speech_probability(self) -> float:
        """RNNoise's voice activity probability for the last 10 ms frame."""
        return self._core.speech_probability

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        if frame.format not in self.accepts:
            await out.send(frame)  # negotiation keeps this from happening; never drop audio
            return
        self._template = frame
        pcm = sample_codec.to_dtype(sample_codec.decode(frame.data, frame.format), np.int16).reshape(-1)
        y = await asyncio.to_thread(self._core.process, pcm.astype(np.int16))
        if len(y):
            await out.send(dataclasses.replace(frame, data=self._encode(y, frame.format)))

    async def on_drain(self, out: Outbox) -> None:
        template = self._template
        y = await asyncio.to_thread(self._core.finish)
        if template is not None and len(y):
            data = self._encode(y, template.format)
            await out.send(dataclasses.replace(template, data=data, pts=UNSTAMPED, epoch=UNSTAMPED))

    async def on_stop(self) -> None:
        self._core.close()

    @staticmethod
    def _encode(y: np.ndarray, fmt: AudioFormat) -> bytes:
        x = sample_codec.to_dtype(y.reshape(-1, 1), sample_codec.work_dtype(fmt.sample_format))
        return sample_codec.encode(x, fmt)
