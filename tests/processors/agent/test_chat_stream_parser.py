"""ChatStreamParser: chunks, tool-call deltas, usage, [DONE] and failures, without I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.chat_events import ChatEvent, Finish, TextDelta, ToolCall, Usage
from voicegraph.processors.agent.chat_stream_parser import ChatStreamParser


def _chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    body = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": choices}
    return f"data: {json.dumps(body | extra)}\n\n".encode()


def _parse(*chunks: bytes) -> list[ChatEvent]:
    parser = ChatStreamParser()
    events = [e for c in chunks for e in parser.feed(c)]
    return events + parser.close()


def test_text_deltas_come_out_in_order_and_role_chunk_adds_nothing() -> None:
    events = _parse(
        _chunk({"role": "assistant", "content": ""}),
        _chunk({"content": "Hello"}),
        _chunk({"content": None}),
        _chunk({"content": " world"}),
        _chunk({}, "stop"),
        _chunk(None, usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}),
        b"data: [DONE]\n\n",
    )
    assert events == [TextDelta("Hello"), TextDelta(" world"), Finish("stop"), Usage(3, 2, 5)]


def test_openai_style_tool_call_fragments_are_joined_per_index() -> None:
    first = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}}
    second = {"index": 1, "id": "call_2", "type": "function", "function": {"name": "g", "arguments": "{}"}}
    events = _parse(
        _chunk({"tool_calls": [first]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}),
        _chunk({"tool_calls": [second]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
        _chunk({}, "tool_calls"),
        b"data: [DONE]\n\n",
    )
    assert events == [
        ToolCall(0, "call_1", "f", '{"a":1}'),
        ToolCall(1, "call_2", "g", "{}"),
        Finish("tool_calls"),
    ]


def test_ollama_style_whole_tool_call_in_one_delta_is_kept_whole() -> None:
    call = {
        "id": "call_x",
        "index": 0,
        "type": "function",
        "function": {"name": "f", "arguments": '{"b": 2}'},
    }
    events = _parse(
        _chunk({"role": "assistant", "tool_calls": [call]}), _chunk({}, "tool_calls"), b"data: [DONE]\n\n"
    )
    assert events[0] == ToolCall(0, "call_x", "f", '{"b": 2}')


def test_deprecated_function_call_delta_becomes_a_tool_call() -> None:
    events = _parse(
        _chunk({"function_call": {"name": "f", "arguments": '{"x"'}}),
        _chunk({"function_call": {"arguments": ": 1}"}}),
        _chunk({}, "function_call"),
        b"data: [DONE]\n\n",
    )
    assert events[0] == ToolCall(0, "", "f", '{"x": 1}')


def test_data_after_done_is_ignored() -> None:
    events = _parse(_chunk({"content": "a"}, "stop"), b"data: [DONE]\n\n", _chunk({"content": "late"}))
    assert events == [TextDelta("a"), Finish("stop")]


def test_stream_cut_before_done_and_finish_raises_retriable_connection_failed() -> None:
    with pytest.raises(VoiceError) as info:
        _parse(_chunk({"content": "a"}))
    assert (info.value.code, info.value.retriable) == (ErrorCode.CONNECTION_FAILED, True)


def test_stream_with_finish_but_no_done_is_accepted() -> None:
    assert _parse(_chunk({"content": "a"}, "stop")) == [TextDelta("a"), Finish("stop")]


@pytest.mark.parametrize(
    "payload",
    [
        b"data: {oops\n\n",
        b"data: [1, 2]\n\n",
        b'data: {"choices": {"index": 0}}\n\n',
        b'data: {"choices": [{"index": 0, "delta": {"content": 5}}]}\n\n',
        b'data: {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": "a"}]}}]}\n\n',
        b'data: {"choices": [], "usage": {"prompt_tokens": "x"}}\n\n',
    ],
)
def test_malformed_chunks_raise_protocol_error(payload: bytes) -> None:
    with pytest.raises(VoiceError) as info:
        ChatStreamParser().feed(payload)
    assert info.value.code is ErrorCode.PROTOCOL_ERROR


def test_error_event_maps_to_the_code_of_its_type() -> None:
    payload = b'event: error\ndata: {"error": {"message": "m", "type": "authentication_error"}}\n\n'
    with pytest.raises(VoiceError) as info:
        ChatStreamParser().feed(payload)
    assert info.value.code is ErrorCode.AUTHENTICATION_FAILED


def test_llama_cpp_numeric_error_code_maps_like_a_status() -> None:
    with pytest.raises(VoiceError) as info:
        ChatStreamParser().feed(
            b'data: {"error": {"code": 503, "message": "loading", "type": "unavailable_error"}}\n\n'
        )
    assert (info.value.code, info.value.retriable) == (ErrorCode.CONNECTION_FAILED, True)


def test_tool_call_arguments_parse_to_a_dict_or_raise_protocol_error() -> None:
    assert ToolCall(0, "i", "f", "").parsed_arguments() == {}
    with pytest.raises(VoiceError) as info:
        ToolCall(0, "i", "f", '{"a": ').parsed_arguments()
    assert info.value.code is ErrorCode.PROTOCOL_ERROR
