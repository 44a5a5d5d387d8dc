"""The local conversation replays as provider items and keeps only what the user heard."""

from __future__ import annotations

from voicegraph.processors.s2s import RealtimeConversationLog


def conversation() -> RealtimeConversationLog:
    log = RealtimeConversationLog()
    log.user_item("u1")
    log.set_text("u1", "what is the weather")
    log.tool_call("c1", "get_weather", '{"city": "Paris"}')
    log.tool_output("c1", '{"temp_c": 21}')
    log.add_text("a1", "It is ")
    log.add_text("a1", "21 degrees in Paris today.")
    return log


def test_replay_renders_user_tool_and_assistant_items_in_order() -> None:
    items = conversation().replay_items()
    assert [i["type"] for i in items] == ["message", "function_call", "function_call_output", "message"]
    assert items[0]["content"] == [{"type": "input_text", "text": "what is the weather"}]
    assert items[1]["call_id"] == "c1" and items[2]["output"] == '{"temp_c": 21}'
    assert items[3]["content"] == [{"type": "output_text", "text": "It is 21 degrees in Paris today."}]


def test_beta_replay_uses_beta_assistant_content() -> None:
    assert conversation().replay_items(beta=True)[3]["content"][0]["type"] == "text"


def test_truncation_keeps_the_heard_share_of_the_words() -> None:
    log = conversation()
    assert log.truncate("a1", 3 / 7) == "It is 21"


def test_truncation_prefers_the_outputs_played_words() -> None:
    log = conversation()
    log.truncate("a1", 0.9, heard="It is")
    assert log.messages[-1] == {"role": "assistant", "content": "It is"}


def test_user_turn_without_transcript_is_not_replayed() -> None:
    log = RealtimeConversationLog()
    log.user_item("u1")
    assert log.replay_items() == []


def test_export_and_import_carry_the_conversation_to_a_new_log() -> None:
    restored = RealtimeConversationLog()
    restored.import_conversation(conversation().export_conversation())
    assert restored.replay_items() == conversation().replay_items()


def test_the_log_keeps_at_most_max_messages() -> None:
    log = RealtimeConversationLog(max_messages=3)
    for i in range(10):
        log.add("user", f"line {i}")
    assert [m["content"] for m in log.messages] == ["line 7", "line 8", "line 9"]
