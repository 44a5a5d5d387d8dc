"""ConversationContext: the messages of one conversation, shared by the user and assistant aggregators."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.context.assistant_reply import AssistantReply
from voicegraph.processors.context.message_content import strip_audio
from voicegraph.processors.context.prompt_template import PromptTemplate
from voicegraph.processors.context.tentative_user import TentativeUser

if TYPE_CHECKING:
    from voicegraph.processors.memory.session_memory import SessionMemory

Message = dict[str, Any]
HistoryWindow = Callable[[list[Message]], list[Message]]
"""Trims the history (system message excluded) to a budget; see `voicegraph.processors.memory`."""

_Entry = Message | AssistantReply | TentativeUser


class ConversationContext:
    """System prompt, per-session template variables and the message history of one call.

    The `UserAggregator` appends user turns and asks for `messages()` to send to the LLM;
    the `AssistantAggregator` opens a reply per LLM response and settles it with what the
    user actually heard. Replies keep their place in the history from the moment they
    start, so a late playout report cannot reorder the conversation. I/O-free, except
    `restore`/`sync`, which hand over to the attached `SessionMemory` (if any).

    Args:
        system_prompt: template of the system message (`{name}` fields, see `PromptTemplate`).
        variables: default template variables; a session's own variables override them.
        messages: initial history (OpenAI message dicts, no system message).
        window: trims the history sent to the LLM (e.g. `ContextWindow`); None sends all.
        audio_turns: user turns whose `input_audio` parts are sent; older ones keep text only.
        memory: persistent per-session memory (store, budget, summaries).

    Raises:
        VoiceError: (invalid_config) a malformed system prompt template.
    """

    def __init__(
        self,
        *,
        system_prompt: str = "",
        variables: Mapping[str, Any] | None = None,
        messages: Sequence[Mapping[str, Any]] = (),
        window: HistoryWindow | None = None,
        audio_turns: int = 1,
        memory: SessionMemory | None = None,
    ) -> None:
        self.template = PromptTemplate(system_prompt)
        self.variables: dict[str, Any] = dict(variables or {})
        self.window = window
        self.audio_turns = audio_turns
        self.memory = memory
        self.summary = ""
        """Summary of history that was compacted away (shown in the system message)."""
        self._history: list[_Entry] = [dict(m) for m in messages]
        self._saved = len(self._history)  # entries already persisted (initial ones count as saved)
        self._system: str | None = None

    # -- system prompt ------------------------------------------------------------------
    @property
    def system_prompt(self) -> str:
        """The system prompt template text."""
        return self.template.text

    @system_prompt.setter
    def system_prompt(self, text: str) -> None:
        self.template = PromptTemplate(text)
        self._system = None

    def set_variables(self, values: Mapping[str, Any]) -> None:
        """Add or replace template variables (e.g. a session's `caller_name`)."""
        self.variables.update(values)
        self._system = None

    def render_system(self) -> str:
        """The system prompt with the variables filled in.

        Raises:
            VoiceError: (invalid_config) a variable the template uses is not set.
        """
        if self._system is None:
            self._system = self.template.render(self.variables)
        return self._system

    def system_message(self) -> Message | None:
        """The system message (prompt plus summary), or None when both are empty."""
        text = self.render_system()
        if self.summary:
            text = f"{text}\n\nSummary of the conversation so far:\n{self.summary}".strip()
        return {"role": "system", "content": text} if text else None

    # -- history ------------------------------------------------------------------------
    def add_message(self, message: Mapping[str, Any]) -> Message:
        """Append a finished message (user, assistant, tool...); returns the stored copy."""
        if not isinstance(message.get("role"), str):
            raise VoiceError(ErrorCode.INVALID_INPUT, f"message without a role: {dict(message)!r}")
        stored = dict(message)
        self._history.append(stored)
        return stored

    def add_user(self, content: str | list[dict[str, Any]]) -> Message:
        """Append a user turn (text, or OpenAI content parts such as `input_audio`)."""
        return self.add_message({"role": "user", "content": content})

    def add_tentative_user(self, content: str | list[dict[str, Any]]) -> TentativeUser:
        """Append a user turn that may be taken back (`retract`) until `confirm`ed."""
        entry = TentativeUser(content)
        self._history.append(entry)
        return entry

    def confirm(self, entry: TentativeUser) -> Message:
        """Make a tentative user turn an ordinary one (persisted from now on); returns it."""
        message = entry.message()
        for i, e in enumerate(self._history):
            if e is entry:
                self._history[i] = message
        return message

    def retract(self, entry: TentativeUser | Message) -> bool:
        """Remove a tentative user turn, or a message not yet persisted; False if it cannot be."""
        for i, e in enumerate(self._history):
            if e is entry:
                if i < self._saved:
                    return False
                del self._history[i]
                return True
        return False

    def open_reply(self, response_id: str) -> AssistantReply:
        """Start a bot reply; it holds its place in the history from now on."""
        reply = AssistantReply(response_id)
        self._history.append(reply)
        return reply

    def open_replies(self) -> list[AssistantReply]:
        """Replies whose heard text is not known yet, oldest first."""
        return [e for e in self._history if isinstance(e, AssistantReply) and not e.settled]

    def find_reply(self, response_id: str) -> AssistantReply | None:
        """The unsettled reply with this id; for "" the oldest unsettled one."""
        for reply in self.open_replies():
            if not response_id or reply.response_id == response_id:
                return reply
        return None

    def history(self) -> list[Message]:
        """The conversation as messages (no system message), as the LLM would see it untrimmed."""
        out: list[Message] = []
        for entry in self._history:
            if isinstance(entry, AssistantReply):
                out += entry.messages()
            elif isinstance(entry, TentativeUser):
                out.append(entry.message())
            else:
                out.append(entry)
        return out

    def messages(self) -> tuple[Message, ...]:
        """What to send to the LLM: the system message, then the (windowed) history.

        Raises:
            VoiceError: (invalid_config) a prompt variable is not set.
        """
        history = strip_audio(self.history(), keep_turns=self.audio_turns)
        if self.window is not None:
            history = self.window(history)
        system = self.system_message()
        return tuple([system, *history] if system else history)

    # -- persistence and compaction -----------------------------------------------------
    def unsaved(self) -> list[Message]:
        """Settled messages not yet persisted, in order (stops at the first unsettled reply)."""
        out: list[Message] = []
        n = self._saved
        while n < len(self._history):
            entry = self._history[n]
            if isinstance(entry, TentativeUser) or (isinstance(entry, AssistantReply) and not entry.settled):
                break
            out += entry.messages() if isinstance(entry, AssistantReply) else [entry]
            n += 1
        self._saved = n
        return strip_audio(out, keep_turns=0)

    def settled_count(self) -> int:
        """Leading history entries that are settled (safe to compact or persist)."""
        for i, entry in enumerate(self._history):
            if isinstance(entry, TentativeUser) or (isinstance(entry, AssistantReply) and not entry.settled):
                return i
        return len(self._history)

    def entry_messages(self, start: int, stop: int) -> list[Message]:
        """The messages of history entries `start:stop`."""
        out: list[Message] = []
        for entry in self._history[start:stop]:
            if isinstance(entry, TentativeUser):
                out.append(entry.message())
            else:
                out += entry.messages() if isinstance(entry, AssistantReply) else [entry]
        return out

    def compact(self, entries: int, summary: str) -> None:
        """Drop the oldest `entries` (settled) history entries, replaced by `summary`."""
        if entries > self.settled_count():
            raise VoiceError(ErrorCode.INVALID_INPUT, "cannot compact replies that are still playing")
        del self._history[:entries]
        self._saved = max(0, self._saved - entries)
        self.summary = summary

    def load(self, messages: Sequence[Mapping[str, Any]], summary: str = "") -> None:
        """Replace the history with persisted messages (all counted as saved)."""
        self._history = [dict(m) for m in messages]
        self._saved = len(self._history)
        self.summary = summary

    async def restore(self, session_id: str) -> None:
        """Load this session's history from the attached memory (no-op without one)."""
        if self.memory is not None:
            await self.memory.restore(self, session_id)

    async def sync(self, *, compact: bool = True) -> None:
        """Persist settled messages and (with `compact`) apply the memory's budget; no-op without memory."""
        if self.memory is not None:
            await self.memory.sync(self, compact=compact)

    def __len__(self) -> int:
        return len(self._history)
