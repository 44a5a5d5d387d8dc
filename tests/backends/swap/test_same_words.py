"""Provider swap (issues 14 and 16): one graph spec and one serve config, served cold as each
provider that can run here by changing only the `backend:` block, answer the same spoken
question with the same words.

For every provider, `voicegraph serve` starts as a subprocess from its config
(swap_config.py) and a caller of that provider's own kind (its protocol, its client or
SDK) says "What is the capital of France?" in real time. Checked per provider: the
question's transcript as the provider reports it has the right words, and the bot's audio
as the caller received it, transcribed by Whisper in this process, has the reply's words.
Then across providers: every reply came back with the same key words. Daily runs in
process against the CallClient stand-in (daily_caller.py says why).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.serving.question import heard_the_question
from tests.speech import normalize_words, word_accuracy

from .providers import PROVIDERS, run_provider
from .reply_words import REPLY, REPLY_KEY_WORDS, transcribe

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(240)]
HEARD: dict[str, str] = {}
"""Each provider's reply as transcribed from its audio, for the summary test."""


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_same_question_gets_the_same_spoken_answer(
    provider: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    livekit = request.getfixturevalue("livekit_server") if provider == "livekit" else None
    result = run_provider(provider, tmp_path, livekit)
    why = f"{provider}: user said {result.user_text!r}, notes {result.notes}"
    assert heard_the_question(result.user_text), why
    assert len(result.bot) / result.rate > 0.5, why  # half a second of reply or more
    heard = transcribe(result)
    HEARD[provider] = heard
    assert REPLY_KEY_WORDS <= set(normalize_words(heard)), f"bot said {heard!r} ({REPLY!r})\n{why}"


def test_every_provider_brought_back_the_same_words() -> None:
    assert set(HEARD) == set(PROVIDERS), f"providers that answered: {sorted(HEARD)}"
    keys = {p: REPLY_KEY_WORDS & set(normalize_words(text)) for p, text in HEARD.items()}
    assert all(k == REPLY_KEY_WORDS for k in keys.values()), HEARD
    first = HEARD[PROVIDERS[0]]
    assert all(word_accuracy(first, text) >= 0.6 for text in HEARD.values()), HEARD
