"""What the fake Vapi does with an inline assistant's `model` and `server`, as Vapi does.

- `model: {provider: "custom-llm", url, headers?, model}`: each user turn is sent to
  `POST {url}/chat/completions` (streaming, with the call object), the SSE reply is read
  and spoken (eSpeak) instead of the echo.
- `server: {url, headers?}`: `status-update` messages and, when the call ends, the
  `end-of-call-report` (ended reason, artifact with the OpenAI-format messages) are posted.
Every body it sends is kept in `sent`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fakes.vapi_caller import sse_events


@dataclass
class AssistantWiring:
    """The custom LLM and server URL of one fake call's assistant."""

    call: dict[str, Any]
    model: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, call: dict[str, Any]) -> AssistantWiring | None:
        """The wiring of the call's inline assistant, or None (the echo assistant)."""
        assistant = call.get("assistant") or {}
        model = assistant.get("model") or {}
        server = assistant.get("server") or {}
        if model.get("provider") != "custom-llm" and not server.get("url"):
            return None
        return cls(call, model if model.get("provider") == "custom-llm" else {}, server)

    @property
    def has_llm(self) -> bool:
        """Replies come from the custom LLM."""
        return bool(self.model.get("url"))

    def _call_object(self) -> dict[str, Any]:
        keys = ("id", "orgId", "type", "status", "createdAt", "updatedAt")
        return {k: self.call[k] for k in keys if k in self.call}

    async def reply(self, messages: list[dict[str, Any]]) -> str:
        """The custom LLM's answer to the conversation ('' when it failed)."""
        system = [
            {"role": "system", "content": str(self.model.get("systemPrompt", "You are a voice assistant."))}
        ]
        body = {
            "model": self.model.get("model", "custom"), "messages": system + messages, "temperature": 0.7,
            "max_tokens": 250, "stream": True, "call": self._call_object(), "metadata": {},
        }  # fmt: skip
        self.sent.append(("chat", body))
        headers = {"Accept": "text/event-stream", **(self.model.get("headers") or {})}
        url = str(self.model["url"]).rstrip("/") + "/chat/completions"
        async with httpx.AsyncClient(timeout=20) as http:
            response = await http.post(url, json=body, headers=headers)
        if response.status_code != 200:
            self.errors.append(f"custom LLM {response.status_code}: {response.text[:200]}")
            return ""
        events = [e for e in sse_events(response.text) if isinstance(e, dict) and e.get("choices")]
        return "".join(e["choices"][0]["delta"].get("content") or "" for e in events)

    async def post(self, message: dict[str, Any]) -> None:
        """Post one server message to the server URL."""
        if not self.server.get("url"):
            return
        body = {"message": {"timestamp": time.time() * 1000, "call": self._call_object(), **message}}
        self.sent.append(("webhook", body))
        headers = {"Content-Type": "application/json", **(self.server.get("headers") or {})}
        async with httpx.AsyncClient(timeout=20) as http:
            response = await http.post(str(self.server["url"]), content=json.dumps(body), headers=headers)
        if response.status_code >= 300:
            self.errors.append(f"server URL {response.status_code}: {response.text[:200]}")

    async def report(self, messages: list[dict[str, Any]], ended_reason: str) -> None:
        """The call ended: `status-update` ended, then the `end-of-call-report`."""
        await self.post({"type": "status-update", "status": "ended", "endedReason": ended_reason})
        transcript = "\n".join(
            f"{'AI' if m['role'] == 'assistant' else 'User'}: {m['content']}" for m in messages
        )
        artifact = {"transcript": transcript, "messages": [], "messagesOpenAIFormatted": messages}
        await self.post(
            {"type": "end-of-call-report", "endedReason": ended_reason, "artifact": artifact, "analysis": {}}
        )
