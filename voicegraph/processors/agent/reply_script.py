"""ReplyScript: picks a canned reply for a conversation (rules, then a fixed script, then a default)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError

_TOKEN = re.compile(r"\s*\S+")


class ReplyScript:
    """Chooses replies without any model. I/O-free and deterministic.

    Rules are `(pattern, reply)` pairs tried in order against the last user message
    (regular expressions, case-insensitive; a plain keyword is a valid pattern). When
    none matches, the next line of `script` is used; when the script is used up it
    starts over if `loop` is set, else `default` answers. `{user}` in a reply is
    replaced by the user's words.

    Raises:
        VoiceError: (invalid_config) a rule pattern is not a valid regular expression.
    """

    def __init__(
        self,
        *,
        rules: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        script: Sequence[str] = (),
        default: str = "Sorry, I did not catch that.",
        loop: bool = False,
    ) -> None:
        pairs = list(rules.items()) if isinstance(rules, Mapping) else list(rules)
        try:
            self._rules = [(re.compile(p, re.IGNORECASE), reply) for p, reply in pairs]
        except re.error as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad rule pattern: {exc}") from exc
        self._script = list(script)
        self._default = default
        self._loop = loop
        self._next = 0

    @property
    def position(self) -> int:
        """How many script lines were used (the next one's index, before `loop` wraps it)."""
        return self._next

    @position.setter
    def position(self, value: int) -> None:
        self._next = max(0, int(value))

    def reply(self, messages: Sequence[Mapping[str, Any]]) -> str:
        """The reply to the conversation so far (advances the script when it is used)."""
        user = last_user_text(messages)
        for pattern, reply in self._rules:
            if pattern.search(user):
                return reply.replace("{user}", user)
        if self._script and (self._loop or self._next < len(self._script)):
            reply = self._script[self._next % len(self._script)]
            self._next += 1
            return reply.replace("{user}", user)
        return self._default.replace("{user}", user)


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text of the last `user` message (text parts joined), or ""."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content.strip()
        if isinstance(content, list):
            parts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
            return " ".join(str(p) for p in parts).strip()
        return ""
    return ""


def split_tokens(text: str) -> list[str]:
    """Word-sized stream tokens, each with its leading space (`"Hi there"` -> `["Hi", " there"]`)."""
    return _TOKEN.findall(text)
