"""LLMSummarizer: a running summary of a long call, written by an OpenAI-compatible model."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from voicegraph.processors.context.message_content import content_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.processors.agent.openai_chat_client import OpenAIChatClient

PROMPT = (
    "You keep the memory of a phone call. Update the summary with the new messages. Keep names, "
    "numbers, dates, decisions and open requests; drop small talk. Answer with the summary only, "
    "at most {max_words} words."
)


class LLMSummarizer:
    """Asks a chat model to fold old messages into the summary (one non-streamed request).

    Args:
        client: the chat client (e.g. `OpenAIChatClient(Endpoint(...))`); the caller owns it.
        max_words: length asked for.
        params: extra request fields (`temperature`, `max_tokens`...).
    """

    def __init__(self, client: OpenAIChatClient, *, max_words: int = 150, **params: Any) -> None:
        self.client = client
        self.max_words = max_words
        self.params = params

    async def summarize(self, summary: str, messages: Sequence[dict[str, Any]]) -> str:
        lines = [f"{m.get('role')}: {content_text(m) or json.dumps(m.get('tool_calls'))}" for m in messages]
        body = "\n".join(lines)
        request = [
            {"role": "system", "content": PROMPT.format(max_words=self.max_words)},
            {"role": "user", "content": f"Summary so far:\n{summary or '(none)'}\n\nNew messages:\n{body}"},
        ]
        result = await self.client.complete(request, **self.params)
        return result.text.strip() or summary
