"""A Vocode app talks to a cold `voicegraph serve` (provider `vocode`) unchanged.

One server (configs/vocode_voice_agent.yaml: Silero VAD, Whisper, Piper, barge-in, a
scripted reply about 15 s long) takes:
- a conversation on `/conversation` driven by vocode 0.1.113's own message models in its
  own venv (vocode_client/conversation_client.py): two bad messages get coded errors and
  the session goes on; the spoken question comes back as a human transcript and bot audio
  (WAV chunks, as vocode sends them); talking over the bot stops its audio (barge-in),
  and the bot transcript holds only the words played;
- a phone call through vocode's Twilio flow: the inbound-call webhook (POST form, as
  Twilio calls vocode's `TelephonyServer`) answers `<Connect><Stream>` to
  `/connect_call/<id>`, and a Twilio Media Streams caller (tests/serving/twilio_caller.py)
  on that URL is answered, its question transcribed (the session store's record).
"""

from __future__ import annotations

import wave
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.serving.question import heard_the_question, question
from tests.serving.serve_process import ServeProcess, free_port
from tests.serving.twilio_caller import TwilioRecord, store_env, twilio_conversation
from tests.speech import synthesize

from .scripted_voice_agent import REPLY
from .vocode_env import run_client

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(400)]
CONFIG = Path(__file__).with_name("configs") / "vocode_voice_agent.yaml"
BARGE = "Hold on please let me ask you about something else instead of that"
"""One breath, no pauses: a pause would end a turn, and the bot would rightly answer it."""
STOPPED_WITHIN_S = 1.5
"""Bot audio after the barge-in onset later than this counts as not stopped."""


@dataclass
class Served:
    conversation: dict[str, Any]
    twiml: str
    call: TwilioRecord
    tail: str


def _wav(path: Path, pcm: np.ndarray) -> str:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
    return str(path)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("vocode-conversation")
    q_wav = _wav(tmp / "question.wav", question(16000))
    b_wav = _wav(tmp / "barge.wav", synthesize(BARGE, engine="piper", rate=16000))
    question(8000)  # for the phone call, synthesized before the server starts
    port, tel_port = free_port(), free_port()
    env = {**store_env(tmp / "sessions.db"), "VOICEGRAPH_BACKEND__OPTIONS__TELEPHONY_PORT": str(tel_port)}
    server = ServeProcess(CONFIG, tmp, port=port, env=env).start()
    try:
        server.ready(90)
        conversation = run_client(
            "conversation_client.py", f"ws://127.0.0.1:{port}/conversation", q_wav, b_wav, timeout=150
        )
        form = {"CallSid": "CA" + "1" * 32, "From": "+15550001111", "To": "+15550002222"}
        twiml = httpx.post(f"http://127.0.0.1:{tel_port}/inbound_call", data=form, timeout=10).text
        stream = ET.fromstring(twiml).find("./Connect/Stream")
        url = stream.get("url", "") if stream is not None else ""
        call = twilio_conversation(url, tmp / "sessions.db", listen_s=25.0) if url else TwilioRecord()
    finally:
        server.stop()
    yield Served(conversation, twiml, call, server.tail())
    assert server.exited_cleanly, server.tail()


def _where(served: Served) -> str:
    summary = {k: v for k, v in served.conversation.items() if k != "stderr_tail"}
    client = served.conversation.get("stderr_tail", "")
    return f"{summary}\n--- client stderr\n{client}\n--- server\n{served.tail}"


def test_the_server_is_ready_before_audio_and_bad_messages_get_coded_errors(served: Served) -> None:
    conv = served.conversation
    assert conv["ready"], _where(served)
    assert conv["errors"] == ["invalid_input", "protocol_error"], _where(served)


def test_the_spoken_question_is_transcribed_for_the_vocode_client(served: Served) -> None:
    human = " ".join(text for _, sender, text in served.conversation["transcripts"] if sender == "human")
    assert heard_the_question(human), _where(served)


def test_the_bot_answers_in_wav_audio_chunks(served: Served) -> None:
    conv = served.conversation
    assert conv["wav_ok"] and conv["loud"], _where(served)
    assert conv["loud"][0] > conv["question_end"], _where(served)


def test_talking_over_the_bot_stops_its_audio(served: Served) -> None:
    conv = served.conversation
    assert conv["barge_at"] is not None, _where(served)
    late = [t for t in conv["loud"] if conv["barge_at"] + STOPPED_WITHIN_S < t < conv["barge_end"]]
    assert not late, f"bot audio {late} after barge-in at {conv['barge_at']}\n{_where(served)}"


def test_the_bot_transcript_holds_only_the_words_played(served: Served) -> None:
    bot = [text for _, sender, text in served.conversation["transcripts"] if sender == "bot"]
    assert bot and REPLY.startswith(bot[0]) and len(bot[0]) < len(REPLY) / 2, _where(served)


def test_vocode_inbound_call_webhook_connects_the_stream_to_connect_call(served: Served) -> None:
    stream = ET.fromstring(served.twiml).find("./Connect/Stream")
    assert stream is not None, served.twiml
    assert stream.get("url", "").split("/connect_call/")[1], served.twiml
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params["from"] == "+15550001111" and params["conversation_id"], served.twiml


def test_a_call_through_vocodes_twilio_flow_is_answered(served: Served) -> None:
    call = served.call
    assert call.answered and call.heard_question, f"{call.summary()}\n{served.tail}"
