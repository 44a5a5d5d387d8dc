"""The cheap graph the worker tests and the scale benchmark serve: energy VAD, silence turn,
echo agent (its context is what a resumed session continues), eSpeak.

No STT, to keep 2 cores free for many rooms: each ended turn becomes the transcript
"hello" (`TurnTranscript`), so the agent answers "Reply: hello (turn N)" where N counts
the user turns in its context. A conversation resumed on another worker goes on at N+1.
"""

from __future__ import annotations

from typing import Any

from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.framework.frames import TranscriptFrame, TurnEndFrame
from voicegraph.processors.agent.echo_agent import EchoAgent
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts import EspeakTTS
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector

WORD = "hello"


class TurnTranscript(Processor):
    """Each ended turn becomes the final transcript `WORD` (after the turn end). No latency."""

    interruptible = False

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        await out.send(frame)
        await out.send(TranscriptFrame(text=WORD, final=True, speech_end_ns=frame.speech_end_ns))


def build(conn: Any) -> Graph:
    """One user's graph."""
    return Graph.chain(
        conn.input(),
        VoiceActivityDetector(engine="energy"),
        SilenceTurnDetector(min_delay=0.3),
        TurnTranscript(),
        EchoAgent(prefix="Reply:"),
        SentenceAggregator(),
        EspeakTTS(),
        conn.output(),
        name="cheap-agent",
    )
