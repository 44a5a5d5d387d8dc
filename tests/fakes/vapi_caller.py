"""VapiCaller: the fake Vapi's side of calling *our* endpoints (custom LLM, server URL).

Builds the bodies Vapi sends (shapes per the protocol notes and the SDK types): chat
requests with `stream`, `call`, `metadata`, `phoneNumber`, `customer` and `tools`;
webhooks `{"message": {"type", "call", "timestamp", ...}}` with the legacy
`X-Vapi-Secret` header, a Bearer credential, or an HMAC `x-vapi-signature`. Every body
sent is kept in `sent` for the fidelity checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx

ORG_ID = "org-fake-0001"
_REQUIRED: dict[str, dict[str, Any]] = {
    "end-of-call-report": {"endedReason": "customer-ended-call", "artifact": {}, "analysis": {}},
    "tool-calls": {"toolWithToolCallList": []},
}
"""Fields the SDK's server-message types require, filled in when a test leaves them out."""


def vapi_call(call_id: str) -> dict[str, Any]:
    """A `call` object as Vapi puts it in messages."""
    now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    return {
        "id": call_id,
        "orgId": ORG_ID,
        "type": "webCall",
        "status": "in-progress",
        "createdAt": now,
        "updatedAt": now,
    }


class VapiCaller:
    """Calls a voicegraph `vapi` server the way Vapi does."""

    def __init__(self, base_url: str, *, llm_key: str = "", secret: str = "", hmac_secret: str = "") -> None:
        self.base_url, self.llm_key, self.secret, self.hmac_secret = (
            base_url.rstrip("/"),
            llm_key,
            secret,
            hmac_secret,
        )
        self.sent: list[tuple[str, dict[str, Any]]] = []
        """(kind, body): `chat` or `webhook`."""

    def chat_body(
        self,
        call_id: str,
        messages: list[dict[str, Any]],
        *,
        stream: bool = True,
        tools: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A chat-completions request as Vapi's custom-llm model sends it (metadataSendMode variable)."""
        body: dict[str, Any] = {
            "model": "voicegraph-agent", "messages": messages, "temperature": 0.7, "max_tokens": 250,
            "stream": stream, "call": vapi_call(call_id), "metadata": {}, "customer": {"number": "+15550100"},
        }  # fmt: skip
        if tools:
            body["tools"] = tools
        return body

    async def chat(
        self, body: dict[str, Any], *, key: str | None = None, path: str = "/chat/completions"
    ) -> httpx.Response:
        """POST a chat request (streamed bodies are read whole)."""
        self.sent.append(("chat", body))
        headers = {
            "Authorization": f"Bearer {self.llm_key if key is None else key}",
            "Accept": "text/event-stream",
        }
        async with httpx.AsyncClient(timeout=30) as http:
            return await http.post(self.base_url + path, json=body, headers=headers)

    def webhook_body(self, kind: str, call_id: str, **fields: Any) -> dict[str, Any]:
        """`{"message": {...}}` of one server message."""
        message = {"type": kind, "timestamp": time.time() * 1000, "call": vapi_call(call_id), **fields}
        for key, value in _REQUIRED.get(kind, {}).items():
            message.setdefault(key, value)
        return {"message": message}

    async def webhook(
        self, body: dict[str, Any] | bytes, *, auth: str = "secret", path: str = "/vapi/webhook"
    ) -> httpx.Response:
        """POST a server-URL message; `auth` is `secret`, `bearer`, `hmac`, `bad-hmac` or `none`."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        if isinstance(body, dict):
            self.sent.append(("webhook", body))
        headers = {"Content-Type": "application/json"}
        if auth == "secret":
            headers["X-Vapi-Secret"] = self.secret
        elif auth == "bearer":
            headers["Authorization"] = f"Bearer {self.secret}"
        elif auth in ("hmac", "bad-hmac"):
            key = self.hmac_secret if auth == "hmac" else "not-the-secret-0000"
            headers["x-vapi-signature"] = hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
        async with httpx.AsyncClient(timeout=30) as http:
            return await http.post(self.base_url + path, content=raw, headers=headers)


def sse_events(text: str) -> list[Any]:
    """The `data:` payloads of an SSE body, JSON-decoded (`[DONE]` kept as the string)."""
    out: list[Any] = []
    for block in text.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: "):
                data = line[6:]
                out.append(data if data == "[DONE]" else json.loads(data))
    return out


def new_call_id() -> str:
    """A fresh call id."""
    return str(uuid.uuid4())
