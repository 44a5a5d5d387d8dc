"""A whole vocode `StreamingConversation` whose agent is voicegraph (vocode venv).

    python streaming_conversation_client.py ws://127.0.0.1:PORT/agent "line one" "line two"

vocode's own conversation engine (`vocode.streaming.streaming_conversation`) runs with
vocode's own `WebSocketUserImplementedAgent` pointed at voicegraph's `/agent` route.
Its transcriber and synthesizer are cloud services (Deepgram, Azure...) that cannot run
here, so two local stand-ins built on vocode's own base classes take their place:
`LineTranscriber` (each line becomes a final `Transcription`, as a transcriber emits one)
and `ToneSynthesizer` (a tone whose length follows the text, through vocode's own
`create_synthesis_result_from_wav`). The output device collects the audio. Prints one
JSON object: the bot messages of vocode's transcript, the audio seconds played, errors.
"""

# mypy: ignore-errors
# (runs in the vocode venv, where vocode is importable; not in voicegraph's)
from __future__ import annotations

import asyncio
import io
import json
import sys
import wave

import numpy as np
from vocode.streaming.agent.websocket_user_implemented_agent import WebSocketUserImplementedAgent
from vocode.streaming.models.audio import AudioEncoding
from vocode.streaming.models.synthesizer import StreamElementsSynthesizerConfig
from vocode.streaming.models.transcriber import DeepgramTranscriberConfig, Transcription
from vocode.streaming.models.transcript import Message
from vocode.streaming.models.websocket_agent import WebSocketUserImplementedAgentConfig
from vocode.streaming.output_device.base_output_device import BaseOutputDevice
from vocode.streaming.streaming_conversation import StreamingConversation
from vocode.streaming.synthesizer.base_synthesizer import BaseSynthesizer
from vocode.streaming.transcriber.base_transcriber import BaseAsyncTranscriber

RATE = 16000


class LineTranscriber(BaseAsyncTranscriber):
    """Stands in for a cloud transcriber: `hear(line)` emits a final transcription."""

    async def _run_loop(self) -> None:
        while True:
            await self.input_queue.get()  # the microphone's audio, not transcribed here

    def hear(self, line: str) -> None:
        self.output_queue.put_nowait(Transcription(message=line, confidence=1.0, is_final=True))


class ToneSynthesizer(BaseSynthesizer):
    """Stands in for a cloud synthesizer: 40 ms of a 440 Hz tone per character."""

    @classmethod
    def get_voice_identifier(cls, synthesizer_config) -> str:
        return "tone-440"

    async def create_speech_uncached(
        self, message, chunk_size, is_first_text_chunk=False, is_sole_text_chunk=False
    ):
        n = int(RATE * 0.04 * max(1, len(message.text)))
        pcm = (3000 * np.sin(2 * np.pi * 440 * np.arange(n) / RATE)).astype("<i2")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(pcm.tobytes())
        buf.seek(0)
        return self.create_synthesis_result_from_wav(self.synthesizer_config, buf, message, chunk_size)


class CollectingOutput(BaseOutputDevice):
    def __init__(self) -> None:
        super().__init__(RATE, AudioEncoding.LINEAR16)
        self.bytes = 0

    def consume_nonblocking(self, chunk: bytes) -> None:
        self.bytes += len(chunk)


async def played(output: CollectingOutput, quiet_s: float = 0.6) -> None:
    """Wait until the output has had no audio for `quiet_s`."""
    seen, since = output.bytes, asyncio.get_running_loop().time()
    while asyncio.get_running_loop().time() - since < quiet_s:
        await asyncio.sleep(0.05)
        if output.bytes != seen:
            seen, since = output.bytes, asyncio.get_running_loop().time()


def bot_messages(conversation: StreamingConversation) -> list[str]:
    return [
        m.text
        for m in conversation.transcript.event_logs
        if isinstance(m, Message) and m.sender.value == "bot"
    ]


async def run(url: str, lines: list[str]) -> dict:
    agent = WebSocketUserImplementedAgent(
        WebSocketUserImplementedAgentConfig(respond=WebSocketUserImplementedAgentConfig.RouteConfig(url=url))
    )
    transcriber = LineTranscriber(
        DeepgramTranscriberConfig(sampling_rate=RATE, audio_encoding=AudioEncoding.LINEAR16, chunk_size=320)
    )
    synthesizer = ToneSynthesizer(
        StreamElementsSynthesizerConfig(sampling_rate=RATE, audio_encoding=AudioEncoding.LINEAR16)
    )
    output = CollectingOutput()
    conversation = StreamingConversation(
        output, transcriber, agent, synthesizer, conversation_id="vocode-sc-1"
    )
    await conversation.start()
    out: dict = {"bot": [], "audio_s": 0.0, "timeouts": 0}
    try:
        for i, line in enumerate(lines):
            transcriber.hear(line)
            try:
                async with asyncio.timeout(20):
                    # vocode's transcript has no event to wait on: poll it
                    while len(bot_messages(conversation)) <= i:  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
            except TimeoutError:
                out["timeouts"] += 1
                break
            await played(output)  # the next turn would interrupt the reply still playing
    finally:
        out["bot"] = bot_messages(conversation)
        out["audio_s"] = output.bytes / 2 / RATE
        await conversation.terminate()
    return out


def main() -> None:
    print(json.dumps(asyncio.run(run(sys.argv[1], sys.argv[2:]))))


if __name__ == "__main__":
    main()
