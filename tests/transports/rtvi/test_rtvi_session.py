"""RTVISession: client requests become replies and graph frames; bad ones get RTVI errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from voicegraph.framework.frames.control import TurnEndFrame
from voicegraph.framework.frames.system import InterruptRequestFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.dtmf_frame import DTMFFrame
from voicegraph.transports.rtvi.rtvi_frames import RTVIClientMessageFrame
from voicegraph.transports.rtvi.rtvi_session import RTVISession


def rtvi(kind: str, data: Any = None, msg_id: str = "abc12345") -> str:
    message: dict[str, Any] = {"label": "rtvi-ai", "type": kind, "id": msg_id}
    if data is not None:
        message["data"] = data
    return json.dumps(message)


def ready(session: RTVISession, version: str = "2.1.0") -> list[dict[str, Any]]:
    about = {"library": "@pipecat-ai/client-js", "library_version": "1.13.1"}
    return session.receive(rtvi("client-ready", {"version": version, "about": about})).messages


def test_client_ready_is_answered_bot_ready_with_its_id() -> None:
    session = RTVISession()
    (reply,) = ready(session)
    assert (reply["type"], reply["id"], reply["data"]["version"]) == ("bot-ready", "abc12345", "2.2.0")
    assert session.ready and not session.requests.legacy


def test_a_1x_client_is_served_and_told_its_own_version() -> None:
    session = RTVISession()
    (reply,) = ready(session, "1.1.0")
    assert reply["data"]["version"] == "1.1.0" and session.requests.legacy


def test_a_client_of_another_major_gets_an_error_response_then_bot_ready() -> None:
    kinds = [m["type"] for m in ready(RTVISession(), "3.0.0")]
    assert kinds == ["error-response", "bot-ready"]


def test_send_text_interrupts_then_becomes_a_final_transcript_and_a_turn_end() -> None:
    reply = RTVISession(user_id="u1").receive(rtvi("send-text", {"content": " Hello there ", "options": {}}))
    assert [type(f) for f in reply.frames] == [InterruptRequestFrame, TranscriptFrame, TurnEndFrame]
    transcript = reply.frames[1]
    assert isinstance(transcript, TranscriptFrame)
    assert (transcript.text, transcript.final, transcript.user_id) == ("Hello there", True, "u1")
    assert reply.messages == []


def test_append_to_context_with_role_user_is_like_send_text() -> None:
    reply = RTVISession().receive(
        rtvi("append-to-context", {"role": "user", "content": "hi", "run_immediately": True})
    )
    assert [type(f) for f in reply.frames] == [InterruptRequestFrame, TranscriptFrame, TurnEndFrame]


def test_client_message_enters_the_graph_with_its_id_type_and_payload() -> None:
    reply = RTVISession().receive(rtvi("client-message", {"t": "set-mood", "d": {"mood": "calm"}}, "m1"))
    assert reply.frames == [RTVIClientMessageFrame(msg_id="m1", kind="set-mood", data={"mood": "calm"})]


def test_dtmf_buttons_become_dtmf_frames_in_order() -> None:
    reply = RTVISession().receive(rtvi("dtmf", {"buttons": ["1", "#"]}))
    assert reply.frames == [DTMFFrame(digit="1"), DTMFFrame(digit="#")]


def test_disconnect_bot_ends_the_session() -> None:
    assert RTVISession().receive(rtvi("disconnect-bot", {})).end


@pytest.mark.parametrize(
    ("kind", "data", "starts"),
    [
        ("no-such-type", {}, "Unsupported type no-such-type"),
        ("send-text", {"content": 5}, "Invalid message"),
        ("send-text", {"content": "x", "options": {"run_immediately": False}}, "Invalid message"),
        ("send-text", "not an object", "Invalid message"),
        ("client-message", {"d": 1}, "Invalid message"),
        ("append-to-context", {"role": "assistant", "content": "x"}, "Invalid message"),
        ("dtmf", {"buttons": ["x"]}, "Invalid message"),
        ("dtmf", {"buttons": []}, "Invalid message"),
    ],
)
def test_bad_requests_get_an_error_response_with_their_id(kind: str, data: Any, starts: str) -> None:
    session = RTVISession()
    reply = session.receive(rtvi(kind, data, "bad-1"))
    (message,) = reply.messages
    assert (message["type"], message["id"]) == ("error-response", "bad-1")
    assert message["data"]["error"].startswith(starts) and reply.frames == []
    assert session.bad_messages == 1


@pytest.mark.parametrize(
    "text", ["{", "[1]", '{"label": "rtvi-ai"}', '{"label": "rtvi-ai", "type": "x", "id": 3}']
)
def test_a_bad_envelope_gets_an_rtvi_error_that_is_not_fatal(text: str) -> None:
    (message,) = RTVISession().receive(text).messages
    assert message["type"] == "error" and message["data"]["fatal"] is False


def test_messages_with_another_label_are_ignored() -> None:
    reply = RTVISession().receive(json.dumps({"label": "other", "type": "send-text"}))
    assert (reply.messages, reply.frames, reply.end) == ([], [], False)


def test_the_session_goes_on_after_bad_messages() -> None:
    session = RTVISession()
    session.receive("{")
    session.receive(rtvi("no-such-type"))
    assert ready(session)[0]["type"] == "bot-ready"
    assert session.receive(rtvi("send-text", {"content": "hi"})).frames
