"""bot_text_of: which frames reach a client as the bot's words."""

from __future__ import annotations

import pytest

from voicegraph.framework.frames import (
    AnyTextFrame,
    BotTextFrame,
    InterimTranscriptFrame,
    LLMTextFrame,
    SentenceFrame,
    TextFrame,
    TranscriptFrame,
)
from voicegraph.processors.s2s import BotTranscriptFrame
from voicegraph.transports.bot_text_event import bot_text_event, bot_text_of


@pytest.mark.parametrize("kind", [TextFrame, LLMTextFrame, SentenceFrame, BotTranscriptFrame])
def test_every_kind_of_bot_text_reaching_the_output_unspoken_is_an_interim_delta(
    kind: type[AnyTextFrame],
) -> None:
    assert bot_text_of(kind(text="Hi")) == bot_text_event("Hi")


@pytest.mark.parametrize("kind", [TranscriptFrame, InterimTranscriptFrame])
def test_the_users_transcripts_are_not_bot_text(kind: type[TranscriptFrame]) -> None:
    assert bot_text_of(kind(text="hello")) is None


def test_words_as_played_keep_their_flags() -> None:
    played = bot_text_of(BotTextFrame(text="The capital", final=True, interrupted=True))
    assert played == bot_text_event("The capital", final=True, interrupted=True)
