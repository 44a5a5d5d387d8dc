"""EchoCanceller in a running graph: the playout's reference reaches the input side."""

from __future__ import annotations

import numpy as np
import pytest

from tests.processors.audio.echo_room import RATE, bot_speech, echo, mix
from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import Frame, InputAudioFrame, TTSAudioFrame
from voicegraph.processors.audio.echo_canceller import EchoCanceller
from voicegraph.processors.audio.echo_reference import ECHO_REFERENCE_KEY, EchoReference
from voicegraph.transports.memory_transport import MemoryTransport
from voicegraph.transports.playout_options import PlayoutOptions

pytestmark = pytest.mark.anyio
STEP = RATE // 50  # 20 ms microphone frames


def _db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-9))


async def test_echo_of_what_the_output_plays_is_removed_from_the_microphone() -> None:
    bot = bot_speech()[: 3 * RATE]
    mic = mix(echo(bot, delay_ms=80.0, level_db=-10.0), noise_rms=0.0)
    clock = VirtualClock()
    client = MemoryTransport()
    canceller = EchoCanceller()
    cleaned: list[np.ndarray] = []

    def keep(frame: Frame, _: str) -> None:
        if isinstance(frame, InputAudioFrame):
            cleaned.append(np.frombuffer(frame.data, np.int16))

    # room for the whole reply, so the microphone frames never queue behind it at the output
    graph = Graph.chain(client.input(), canceller, client.output(playout=PlayoutOptions(buffer_ms=4000)))
    async with clock.autojump(), Runtime(graph, clock=clock) as rt:
        rt.on_output(keep)
        await rt.push(TTSAudioFrame(data=bot.tobytes(), format=PCM16K))
        for i in range(0, mic.size - STEP + 1, STEP):
            await clock.sleep(0.02)  # this frame was captured over the last 20 ms
            await rt.push(InputAudioFrame(data=mic[i : i + STEP].tobytes(), format=PCM16K))
        ref = rt.shared[ECHO_REFERENCE_KEY]
    assert isinstance(ref, EchoReference) and ref.written_samples >= bot.size - STEP
    out = np.concatenate(cleaned)
    assert out.size == mic.size - mic.size % STEP
    tail = slice(RATE, out.size - out.size % 160)  # after a second to converge
    blocks = np.array(
        [_db(mic[tail][i : i + 160]) - _db(out[tail][i : i + 160]) for i in range(0, 32000, 160)]
    )
    assert np.median(blocks) > 20.0  # the echo is gone from most blocks...
    assert canceller.bypassed_blocks <= blocks.size // 20  # ...and few went on raw (loud echo peaks)
