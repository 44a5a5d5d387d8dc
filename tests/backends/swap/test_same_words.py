"""Provider swap (issues 14 and 16): one graph spec and one serve config, served cold as each
provider that can run here by changing only the `backend:` block, answer the same spoken
question with the same words.

For every audio provider, `voicegraph serve` starts as a subprocess from its config
(swap_config.py) and a caller of that provider's own kind (its protocol, its client or
SDK) says "What is the capital of France?" in real time. Checked per provider: the
question's transcript as the provider reports it has the right words, and the bot's audio
as the caller received it, transcribed by Whisper in this process, has the reply's words.
Vapi, which carries no audio session, gets the question's text on its custom-LLM endpoint
(vapi_caller.py). Then across providers: every reply brought back the same words. Daily
runs in process against the CallClient stand-in (daily_caller.py says why).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving.question import QUESTION
from tests.speech import normalize_words, word_accuracy

from .call_result import CallResult
from .providers import PROVIDERS, TEXT_PROVIDERS, run_provider
from .reply_words import REPLY, REPLY_KEY_WORDS, transcribe

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(600)]


class Calls:
    """Each provider's call, made once per module (the summary reuses the per-provider runs)."""

    def __init__(self, request: pytest.FixtureRequest, tmp: pytest.TempPathFactory) -> None:
        self._request, self._tmp = request, tmp
        self.results: dict[str, CallResult] = {}
        self.replies: dict[str, str] = {}
        """Each provider's reply: Whisper's text of its audio (vapi: the text it streamed)."""

    def __call__(self, provider: str) -> CallResult:
        if provider not in self.results:
            get = self._request.getfixturevalue
            livekit = get("livekit_server") if provider == "livekit" else None
            result = run_provider(provider, Path(self._tmp.mktemp(f"swap-{provider}")), livekit)
            self.results[provider] = result
            audio = provider not in TEXT_PROVIDERS
            self.replies[provider] = transcribe(result) if audio else str(result.notes.get("reply_text"))
        return self.results[provider]

    def why(self, provider: str) -> str:
        result = self.results[provider]
        reply = self.replies[provider]
        return f"{provider}: user said {result.user_text!r}, reply {reply!r}, notes {result.notes}"


@pytest.fixture(scope="module")
def calls(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Calls]:
    yield Calls(request, tmp_path_factory)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_same_spoken_question_gets_the_same_spoken_answer(provider: str, calls: Calls) -> None:
    result = calls(provider)
    assert word_accuracy(QUESTION, result.user_text) >= 0.8, calls.why(provider)
    assert len(result.bot) / result.rate > 0.5, calls.why(provider)  # half a second of reply or more
    assert REPLY_KEY_WORDS <= set(normalize_words(calls.replies[provider])), calls.why(provider)


@pytest.mark.parametrize("provider", TEXT_PROVIDERS)
def test_vapis_custom_llm_gets_the_same_answer_as_text(provider: str, calls: Calls) -> None:
    result = calls(provider)
    assert result.notes.get("status") == 200, calls.why(provider)
    assert normalize_words(calls.replies[provider]) == normalize_words(REPLY), calls.why(provider)


def test_every_provider_brought_back_the_same_words(calls: Calls) -> None:
    for provider in (*PROVIDERS, *TEXT_PROVIDERS):
        calls(provider)
    found = {p: sorted(REPLY_KEY_WORDS & set(normalize_words(text))) for p, text in calls.replies.items()}
    assert all(words == sorted(REPLY_KEY_WORDS) for words in found.values()), calls.replies
    heard = [calls.replies[p] for p in PROVIDERS]
    assert all(word_accuracy(heard[0], text) >= 0.6 for text in heard), calls.replies
