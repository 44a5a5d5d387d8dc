"""S2SAdvisor: an agent step before the realtime model speaks (per-turn instructions, RAG context)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import TranscriptFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.s2s.s2s_frames import S2SContextFrame, S2SInstructionsFrame, S2SRespondFrame


@dataclass(frozen=True, slots=True)
class S2SAdvice:
    """What the agent decided for one user turn."""

    instructions: str | None = None
    """New session instructions (`session.update`), or None to keep them."""
    context: tuple[str, ...] = ()
    """Text added to the model's conversation before it answers (retrieved facts)."""
    reply_instructions: str = ""
    """Instructions for this reply only."""
    respond: bool = True
    """Let the model speak now (False: stay silent this turn)."""


Advise = Callable[[str], Awaitable["S2SAdvice | None"]]
"""`async (user transcript) -> advice`; None means: answer as usual."""


class S2SAdvisor(Processor):
    """Runs an agent on each user turn and steers the realtime S2S node with the result.

    Handles: final `TranscriptFrame`s (the user's turn; interim ones pass through).
    Emits: the transcript (forwarded), then towards the S2S node `S2SInstructionsFrame`,
    one `S2SContextFrame` per context text and `S2SRespondFrame` — upstream when it sits
    after the S2S node (`upstream=True`, fed by the node's user transcripts), downstream
    when before it (fed by a local STT). Use with the S2S node's `auto_respond=False`.
    Latency: the agent's (declared for a small LLM call). Interruptible: a barge-in
    cancels advice in progress. No state to flush or drain.

    Args:
        advise: the agent step, or a `"package.module:function"` import string (graph specs).
        upstream: where the S2S node is relative to this node.

    Raises:
        VoiceError: (invalid_config) the import string names nothing callable.
    """

    concurrent: ClassVar[bool] = True
    latency = LatencySpec(ms=300.0, note="one agent decision per user turn")

    def __init__(self, advise: Advise | str, *, upstream: bool = True, name: str | None = None) -> None:
        super().__init__(name=name)
        self._advise = _load(advise) if isinstance(advise, str) else advise
        self.upstream = upstream
        self.turns = 0

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        """Advise on a finished user turn."""
        await out.send(frame)
        if not frame.final or not frame.text.strip():
            return
        self.turns += 1
        advice = await self._advise(frame.text) or S2SAdvice()
        send = out.send_up if self.upstream else out.send
        if advice.instructions is not None:
            await send(S2SInstructionsFrame(instructions=advice.instructions))
        for text in advice.context:
            await send(S2SContextFrame(text=text))
        if advice.respond:
            await send(S2SRespondFrame(instructions=advice.reply_instructions))


def _load(spec: str) -> Advise:
    module_name, _, attr = spec.partition(":")
    try:
        value = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"cannot import advise step {spec!r}: {exc}") from exc
    if not callable(value):
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"advise step {spec!r} is not callable")
    advise: Advise = value
    return advise
