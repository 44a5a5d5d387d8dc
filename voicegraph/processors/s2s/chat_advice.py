"""chat_advice: an `S2SAdvisor` step that asks a chat LLM how the realtime model should answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.processors.s2s.s2s_advisor import S2SAdvice

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.processors.agent.openai_chat_client import OpenAIChatClient
    from voicegraph.processors.s2s.s2s_advisor import Advise


DEFAULT_PROMPT = (
    "You steer a voice assistant. Given the user's last utterance, write one short instruction "
    "for how the assistant should answer (tone, what to say or avoid). Reply with the instruction only."
)


def chat_advice(
    client: OpenAIChatClient,
    *,
    system_prompt: str = DEFAULT_PROMPT,
    retrieve: Callable[[str], Awaitable[list[str]]] | None = None,
    base_instructions: str = "",
) -> Advise:
    """An advise step: RAG context from `retrieve`, per-turn instructions from the chat model.

    The model's answer becomes the session instructions for this turn (after
    `base_instructions`), sent as `session.update` before the realtime model speaks.
    """

    async def advise(transcript: str) -> S2SAdvice:
        context = tuple(await retrieve(transcript)) if retrieve is not None else ()
        messages = [{"role": "system", "content": system_prompt}]
        if context:
            messages.append({"role": "system", "content": "Known facts:\n" + "\n".join(context)})
        messages.append({"role": "user", "content": transcript})
        result = await client.complete(messages)
        steer = result.text.strip()
        instructions = f"{base_instructions}\n{steer}".strip() if steer else None
        return S2SAdvice(instructions=instructions, context=context)

    return advise
