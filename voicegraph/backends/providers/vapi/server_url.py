"""ServerUrl: Vapi's server-URL webhooks (assistant-request, tool-calls, status, end-of-call report)."""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.vapi.http_errors import error_response, parse_json_object
from voicegraph.backends.providers.vapi.webhook_auth import check_webhook
from voicegraph.backends.session import Session, SessionState
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.chat_events import ToolCall

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiohttp import web

    from voicegraph.backends.hooks import DataRetentionHook
    from voicegraph.backends.providers.vapi.call_agents import CallAgents
    from voicegraph.backends.providers.vapi.vapi_options import VapiOptions
    from voicegraph.backends.stores.base import SessionStore
    from voicegraph.processors.agent.tool_registry import ToolRegistry

log = logging.getLogger("voicegraph.backends.vapi")
_REPLY_KEYS = ("assistantId", "assistant", "squadId", "squad", "destination", "error", "workflowId")


class ServerUrl:
    """Handles `POST <webhook_path>`: `{"message": {"type": ..., "call": {...}, ...}}`.

    Every request must carry the secret (`X-Vapi-Secret`, or `Authorization: Bearer`) or,
    with an `hmac_secret`, a valid `x-vapi-signature`; else 401 `authentication_failed`.
    A body that is not JSON, or has no `message.type`, is 400 `invalid_input`. Replies:
    `assistant-request` -> the assistant chosen by the hook (`assistant_hook`) or
    `default_assistant` (`{"assistantId"}`, `{"assistant"}`, or what the config holds);
    `tool-calls` -> `{"results": [{"toolCallId", "name", "result" | "error"}]}` from the
    `ToolRegistry`; `status-update` -> recorded (`statuses`); `end-of-call-report` -> the
    call's record goes through the retention hook (kept in the store for as long as it says,
    else deleted) and the call's agent graph stops; anything else -> `{}` (counted).
    Latency: a tool's own time; the rest is microseconds.
    """

    def __init__(
        self,
        options: VapiOptions,
        *,
        tools: ToolRegistry,
        agents: CallAgents,
        store: SessionStore,
        retention: DataRetentionHook,
        hook: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.options, self.tools, self.agents = options, tools, agents
        self.store, self.retention, self.hook = store, retention, hook
        self.statuses: dict[str, list[str]] = {}
        self.counts: Counter[str] = Counter()

    async def handle(self, request: web.Request) -> web.Response:
        """One webhook."""
        from aiohttp import web

        try:
            body = await request.read()
            check_webhook(
                request.headers, body, secret=self.options.secret, hmac_secret=self.options.hmac_secret
            )
            message = _message(parse_json_object(body, "server URL"))
            kind = str(message["type"])
            self.counts[kind] += 1
            reply = await self._dispatch(kind, message)
        except VoiceError as err:
            return error_response(err)
        return web.json_response(reply)

    async def _dispatch(self, kind: str, message: dict[str, Any]) -> dict[str, Any]:
        if kind == "assistant-request":
            return await self.assistant(message)
        if kind == "tool-calls":
            return await self.tool_calls(message)
        call_id = _call_id(message)
        if kind == "status-update":
            self.statuses.setdefault(call_id, []).append(str(message.get("status", "")))
        elif kind == "end-of-call-report":
            await self.end_of_call(call_id, message)
        return {}

    async def assistant(self, message: dict[str, Any]) -> dict[str, Any]:
        """The `assistant-request` reply for this call."""
        choice: Any = None
        if self.hook is not None:
            choice = self.hook(message)
            if inspect.isawaitable(choice):
                choice = await choice
        if choice is None:
            choice = self.options.default_assistant or None
        if isinstance(choice, str):
            if choice not in self.options.assistants:
                raise VoiceError(
                    ErrorCode.INVALID_CONFIG, f"assistant hook chose unknown assistant {choice!r}"
                )
            choice = self.options.assistants[choice]
        if not isinstance(choice, dict):
            return {"error": "Sorry, no assistant is available for this call."}
        return dict(choice) if any(k in choice for k in _REPLY_KEYS) else {"assistant": dict(choice)}

    async def tool_calls(self, message: dict[str, Any]) -> dict[str, Any]:
        """Run the calls in `toolCallList` with the registry; Vapi's `results` shape."""
        raw = message.get("toolCallList")
        if not isinstance(raw, list):
            raise VoiceError(ErrorCode.INVALID_INPUT, "tool-calls: toolCallList must be a list")
        calls = [_tool_call(i, item) for i, item in enumerate(raw)]
        results, _actions = await self.tools.run_all(calls, {"vapi_call_id": _call_id(message)})
        out = []
        for r in results:
            entry = {"toolCallId": r.call_id, "name": r.name}
            entry["error" if r.error else "result"] = r.content
            out.append(entry)
        return {"results": out}

    async def end_of_call(self, call_id: str, message: dict[str, Any]) -> None:
        """Keep the call's record as the retention hook says; stop its agent graph."""
        await self.agents.close(call_id)
        artifact = _object(message.get("artifact"))
        messages = artifact.get("messagesOpenAIFormatted") or artifact.get("messages") or []
        keys = ("endedReason", "cost", "startedAt", "endedAt", "analysis")
        meta: dict[str, Any] = {k: message[k] for k in keys if k in message}
        session = Session(
            id=call_id, state=SessionState.COMPLETED, metadata={"provider": "vapi", **meta},
            conversation={"messages": messages, "transcript": artifact.get("transcript", "")},
        )  # fmt: skip
        keep = self.retention.keep_seconds(session)
        if keep:
            session.expires_at = time.time() + keep
            await self.store.save(session)
        else:
            await self.store.delete(call_id)


def _message(body: dict[str, Any]) -> dict[str, Any]:
    message = body.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise VoiceError(ErrorCode.INVALID_INPUT, "server URL: body needs message.type")
    return message


def _call_id(message: dict[str, Any]) -> str:
    return str(_object(message.get("call")).get("id", ""))


def _object(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _tool_call(index: int, item: Any) -> ToolCall:
    """One entry of `toolCallList`: `{id, function: {name, arguments}}` (arguments an object
    or a JSON string), or the older flat `{id, name, parameters}`.

    Raises:
        VoiceError: (invalid_input) no id or no name.
    """
    if not isinstance(item, dict):
        raise VoiceError(ErrorCode.INVALID_INPUT, f"tool-calls: toolCallList[{index}] must be an object")
    function = _object(item.get("function"))
    name = function.get("name") or item.get("name")
    args = function.get("arguments", item.get("parameters", {}))
    if not item.get("id") or not isinstance(name, str):
        raise VoiceError(
            ErrorCode.INVALID_INPUT, f"tool-calls: toolCallList[{index}] needs id and function.name"
        )
    arguments = args if isinstance(args, str) else json.dumps(args or {})
    return ToolCall(index=index, id=str(item["id"]), name=name, arguments=arguments)
