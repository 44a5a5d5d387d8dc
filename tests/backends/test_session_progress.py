"""TurnProgress: the in-flight turn (final user words, played reply) written into saved messages."""

from __future__ import annotations

from voicegraph.backends.session_progress import TurnProgress
from voicegraph.framework.frames import LLMResponseStartFrame, LLMTextFrame, TranscriptFrame
from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.system import ReplyPlayedFrame

EARLIER = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello."}]


def _user(text: str, *, final: bool = True) -> TranscriptFrame:
    return TranscriptFrame(text=text, final=final)


def test_a_final_transcript_asks_for_a_save_and_an_interim_one_does_not() -> None:
    progress = TurnProgress()
    assert not progress.observe(_user("what is", final=False))
    assert progress.observe(_user("what is the time"))
    assert progress.user == "what is the time"


def test_the_same_frame_seen_on_two_links_counts_once() -> None:
    progress, frame = TurnProgress(), BotTextFrame(text="It is")
    assert progress.observe(frame)
    assert not progress.observe(frame)
    assert progress.played == "It is"


def test_interim_bot_text_deltas_join_and_the_final_replaces_them() -> None:
    progress = TurnProgress()
    progress.observe(_user("time please"))
    for delta in ("It", " is", " noon"):
        progress.observe(BotTextFrame(text=delta))
    assert progress.played == "It is noon"
    assert progress.observe(BotTextFrame(text="It is noon.", final=True))
    assert progress.played == "It is noon."


def test_a_reply_start_asks_for_a_save_and_llm_text_does_not() -> None:
    progress = TurnProgress()
    assert progress.observe(LLMResponseStartFrame())
    assert not progress.observe(LLMTextFrame(text="unplayed"))


def test_user_words_the_context_has_not_taken_are_appended() -> None:
    progress = TurnProgress()
    progress.observe(_user("what time is it"))
    assert progress.apply(EARLIER) == [*EARLIER, {"role": "user", "content": "what time is it"}]


def test_in_flight_the_played_part_replaces_the_unplayed_reply() -> None:
    progress = TurnProgress()
    progress.observe(_user("what time is it"))
    progress.observe(BotTextFrame(text="It is"))
    context = [*EARLIER, {"role": "user", "content": "what time is it"}]
    generated = {"role": "assistant", "content": "It is noon in Paris."}
    assert progress.apply([*context, generated]) == [*context, {"role": "assistant", "content": "It is"}]


def test_once_settled_the_contexts_reply_wins() -> None:
    progress = TurnProgress()
    progress.observe(_user("what time is it"))
    progress.observe(ReplyPlayedFrame(text_played="It is noon", interrupted=True))
    progress.settle()
    settled = [
        *EARLIER,
        {"role": "user", "content": "what time is it"},
        {"role": "assistant", "content": "It is"},
    ]
    assert progress.apply(settled) == settled


def test_a_new_final_transcript_after_a_reply_starts_a_new_turn() -> None:
    progress = TurnProgress()
    progress.observe(_user("first"))
    progress.observe(BotTextFrame(text="One"))
    progress.observe(_user("second"))
    assert (progress.user, progress.played) == ("second", "")


def test_nothing_in_flight_leaves_the_messages_alone() -> None:
    assert TurnProgress().apply(EARLIER) == EARLIER


def test_utterances_the_context_took_one_by_one_are_not_added_again() -> None:
    progress = TurnProgress()
    progress.observe(_user("one"))
    progress.observe(_user("two"))
    context = [{"role": "user", "content": "one"}, {"role": "assistant", "content": "1"}]
    context += [{"role": "user", "content": "two"}]
    assert progress.apply(context) == context


def test_utterances_the_context_joined_into_one_message_are_not_added_again() -> None:
    progress = TurnProgress()
    progress.observe(_user("what is"))
    progress.observe(_user("the time"))
    context = [*EARLIER, {"role": "user", "content": "what is the time"}]
    assert progress.apply(context) == context


def test_only_the_utterances_the_context_lacks_are_appended() -> None:
    progress = TurnProgress()
    progress.observe(_user("one"))
    progress.observe(_user("two"))
    context = [{"role": "user", "content": "one"}]
    assert progress.apply(context) == [*context, {"role": "user", "content": "two"}]


def test_an_unspoken_reply_keeps_the_contexts_text() -> None:
    progress = TurnProgress(spoken=False)
    progress.observe(_user("hi"))
    progress.observe(LLMResponseStartFrame())
    context = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello there"}]
    assert progress.apply(context) == context
