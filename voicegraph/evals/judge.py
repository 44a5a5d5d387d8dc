"""Judge: asks a chat-completions model whether an agent's reply meets a criterion (yes/no)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.endpoint import Endpoint
from voicegraph.processors.agent.openai_chat_client import OpenAIChatClient

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

SYSTEM = (
    "You grade a voice assistant's reply. You are given a statement about the reply. "
    "Answer with one word: YES if the statement is true of the reply, NO if it is not."
)
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judge's answer."""

    passed: bool
    answer: str
    """The model's text, as it answered."""


class Judge:
    """A yes/no grader on any OpenAI-compatible chat completions endpoint.

    One request per verdict (`temperature` 0, a few tokens): the reply and the criterion
    go in, the first word of the answer decides (yes/true passes; anything else fails).
    Without an endpoint the judge is the local SmolLM2-135M served by llama.cpp (the
    stock agent's engine, shared with it in one process; nothing is downloaded): a
    small model, good for clear cases only. Point it at a bigger model for subtle ones.

    Args:
        endpoint: where to ask (an `Endpoint` or a mapping with `base_url`, `model`,
            optional `api_key`); None: the local model.
        max_tokens: the answer's length limit.
    """

    def __init__(self, endpoint: Endpoint | Mapping[str, Any] | None = None, *, max_tokens: int = 4) -> None:
        self.endpoint = Endpoint.coerce(endpoint) if endpoint is not None else None
        self.max_tokens = max_tokens

    async def verdict(self, reply: str, criterion: str) -> Verdict:
        """Ask whether `reply` meets `criterion`.

        Raises:
            VoiceError: (agent_error, connection_failed, timeout...) the endpoint failed;
                (missing_dependency) no endpoint given and the local model is not installed.
        """
        endpoint = self.endpoint or await _local_endpoint()
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Reply: {reply.strip()!r}\nStatement: {criterion}\nYES or NO?"},
        ]
        async with OpenAIChatClient(endpoint, include_usage=False) as client:
            result = await client.complete(messages, temperature=0.0, max_tokens=self.max_tokens)
        words = _WORD.findall(result.text.lower())
        if not words:
            raise VoiceError(ErrorCode.AGENT_ERROR, f"the judge gave no answer ({endpoint.label})")
        return Verdict(passed=words[0] in ("yes", "true"), answer=result.text.strip())


async def _local_endpoint() -> Endpoint:
    from voicegraph.processors.agent.local_llm_server import LocalLLMServer

    # The stock agent's configuration, so a test of the stock graph shares its server.
    server = await asyncio.to_thread(LocalLLMServer.acquire, threads=1, batch_threads=2)
    return Endpoint(base_url=server.base_url, model=server.model)
