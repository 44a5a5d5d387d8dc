"""RTVIEvents: the frames reaching a session's output, as the RTVI events Pipecat's clients know."""

from __future__ import annotations

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.llm import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.framework.frames.system import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ErrorFrame,
    MetricsFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.text import InterimTranscriptFrame, TextFrame, TranscriptFrame
from voicegraph.processors.agent.chat_events import ToolCall
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.processors.agent.tool_result import ToolResult
from voicegraph.transports.rtvi.rtvi_events import RTVIEvents
from voicegraph.transports.rtvi.rtvi_frames import RTVIServerMessageFrame


def kinds(frame: object, *, legacy: bool = False) -> list[str]:
    return [m["type"] for m in RTVIEvents(legacy=legacy).of(frame)]  # type: ignore[arg-type]


def test_speaking_and_pipeline_frames_become_their_events() -> None:
    table = [
        (UserStartedSpeakingFrame(), "user-started-speaking"),
        (UserStoppedSpeakingFrame(), "user-stopped-speaking"),
        (BotStartedSpeakingFrame(), "bot-started-speaking"),
        (BotStoppedSpeakingFrame(), "bot-stopped-speaking"),
        (LLMResponseStartFrame(), "bot-llm-started"), (LLMResponseEndFrame(), "bot-llm-stopped"),
    ]  # fmt: skip
    for frame, kind in table:
        assert kinds(frame) == [kind]


def test_interim_and_final_transcripts_are_user_transcriptions() -> None:
    events = RTVIEvents()
    (interim,) = events.of(InterimTranscriptFrame(text="what is", user_id="u"))
    (final,) = events.of(TranscriptFrame(text="what is the capital", user_id="u"))
    assert (interim["data"]["final"], final["data"]["final"]) == (False, True)
    assert final["data"]["text"] == "what is the capital" and final["data"]["user_id"] == "u"
    assert final["data"]["timestamp"].endswith("+00:00")


def test_llm_tokens_are_bot_llm_text() -> None:
    (event,) = RTVIEvents().of(LLMTextFrame(text="Par"))
    assert event == {"label": "rtvi-ai", "type": "bot-llm-text", "data": {"text": "Par"}}


def test_played_words_are_bot_tts_text_and_bot_output_v2_or_v1() -> None:
    tts, output = RTVIEvents().of(BotTextFrame(text=" Paris"))
    assert tts["data"] == {"text": "Paris"}
    assert output["data"] == {"text": "Paris", "aggregated_by": "word", "spoken_status": "in-progress"}
    _, legacy = RTVIEvents(legacy=True).of(BotTextFrame(text="Paris"))
    assert legacy["data"]["spoken"] is True and "spoken_status" not in legacy["data"]


def test_a_replys_first_audio_is_bot_tts_started_and_its_final_text_bot_tts_stopped() -> None:
    events = RTVIEvents()
    assert [m["type"] for m in events.audio()] == ["bot-tts-started"]
    assert events.audio() == []  # later chunks of the same reply
    final = events.of(BotTextFrame(text="The capital is Paris.", final=True, interrupted=True))
    assert [m["type"] for m in final] == ["bot-tts-stopped"]  # the text itself was sent as deltas
    assert [m["type"] for m in events.audio()] == ["bot-tts-started"]  # the next reply


def test_a_final_text_without_audio_sends_nothing() -> None:
    assert kinds(BotTextFrame(text="unspoken", final=True)) == []


def test_a_tool_call_with_its_result_is_started_in_progress_stopped() -> None:
    call = ToolCall(index=0, id="call-1", name="weather", arguments='{"city": "Paris"}')
    frame = LLMToolCallFrame(
        calls=(call,), results=(ToolResult(call_id="call-1", name="weather", content="sunny"),)
    )
    started, progress, stopped = RTVIEvents().of(frame)
    assert started["type"] == "llm-function-call-started" and started["data"] == {"function_name": "weather"}
    assert progress["data"] == {
        "tool_call_id": "call-1",
        "function_name": "weather",
        "arguments": {"city": "Paris"},
    }
    assert stopped["data"]["result"] == "sunny" and stopped["data"]["cancelled"] is False


def test_metrics_are_grouped_as_pipecat_does_in_seconds() -> None:
    (event,) = RTVIEvents().of(MetricsFrame(node="agent", values={"ttft_ms": 250.0, "total_ms": 1000.0}))
    assert event["data"]["ttfb"] == [{"processor": "agent:ttft_ms", "value": 0.25}]
    assert event["data"]["processing"] == [{"processor": "agent:total_ms", "value": 1.0}]


def test_errors_and_server_messages() -> None:
    (error,) = RTVIEvents().of(ErrorFrame(error=VoiceError(ErrorCode.AGENT_ERROR, "model down"), fatal=True))
    assert error["data"] == {"error": "model down", "fatal": True}
    (message,) = RTVIEvents().of(RTVIServerMessageFrame(data={"n": 1}))
    assert (message["type"], message["data"]) == ("server-message", {"n": 1})
    (response,) = RTVIEvents().of(RTVIServerMessageFrame(data=2, kind="count", reply_to="m1"))
    assert (response["type"], response["id"], response["data"]) == (
        "server-response",
        "m1",
        {"t": "count", "d": 2},
    )


def test_frames_without_an_rtvi_form_send_nothing() -> None:
    assert kinds(TextFrame(text="x")) == []
