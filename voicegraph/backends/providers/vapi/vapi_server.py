"""VapiServer: serves the custom-LLM endpoint and the server-URL webhook over HTTP (aiohttp)."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.vapi.call_agents import CallAgents
from voicegraph.backends.providers.vapi.custom_llm import CustomLLM
from voicegraph.backends.providers.vapi.server_url import ServerUrl
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.tool_registry import ToolRegistry

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp import web

    from voicegraph.backends.providers.vapi.vapi_options import VapiOptions
    from voicegraph.backends.session_manager import SessionManager

log = logging.getLogger("voicegraph.backends.vapi")


class VapiServer:
    """The `vapi` provider's server: `POST <llm_path>` (custom LLM) and `POST <webhook_path>`
    (server URL) on one HTTP port, plus `GET /health` (`{"status": "ok"}`).

    The custom LLM answers with one agent graph per Vapi call id, built by the backend's
    graph factory (the `graph:` of the config); the server URL answers with the
    configured assistants and tools, and hands end-of-call reports to the backend's
    retention hook and session store. Idle call graphs are swept at each request.

    Args:
        manager: the backend's session manager (graph factory, hooks, store).
        options: the parsed provider options.
    """

    def __init__(self, manager: SessionManager, options: VapiOptions) -> None:
        self.options = options
        self.agents = CallAgents(manager.factory, idle_s=options.call_idle_s)
        self.custom_llm = CustomLLM(self.agents, api_key=options.llm_api_key)
        self.tools = ToolRegistry(options.tools, timeout_s=options.tool_timeout_s)
        hook = _import_hook(options.assistant_hook) if options.assistant_hook else None
        self.server_url = ServerUrl(
            options, tools=self.tools, agents=self.agents, store=manager.store,
            retention=manager.hooks.retention, hook=hook,
        )  # fmt: skip
        self._runner: web.AppRunner | None = None
        self.port = options.port

    async def start(self) -> None:
        """Listen.

        Raises:
            VoiceError: (missing_dependency) no aiohttp; (connection_failed) the port is taken.
        """
        try:
            from aiohttp import web
        except ImportError:  # pragma: no cover - aiohttp is in the venv
            raise VoiceError(ErrorCode.MISSING_DEPENDENCY, "the vapi provider needs aiohttp") from None
        app = web.Application(client_max_size=self.options.max_body_bytes)
        app.router.add_post(self.options.llm_path, self._swept(self.custom_llm.handle))
        app.router.add_post(self.options.webhook_path, self._swept(self.server_url.handle))
        app.router.add_get("/health", self._health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(
            runner, self.options.host, self.options.port, reuse_port=self.options.reuse_port or None
        )
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise VoiceError(
                ErrorCode.CONNECTION_FAILED, f"vapi: cannot listen on port {self.port}: {exc}"
            ) from exc
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    def _swept(
        self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def run(request: web.Request) -> web.StreamResponse:
            await self.agents.sweep()
            return await handler(request)

        return run

    async def _health(self, request: web.Request) -> web.Response:
        from aiohttp import web

        return web.json_response({"status": "ok", "calls": len(self.agents.calls)})

    async def stop(self) -> None:
        """Stop every call's agent graph and the HTTP server."""
        await self.agents.aclose()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def url(self) -> str:
        """`http://host:port`."""
        return f"http://{self.options.host}:{self.port}"

    def describe(self) -> dict[str, Any]:
        """Where it listens, and what."""
        return {
            "kind": "vapi", "url": self.url, "custom_llm": self.url + self.options.llm_path,
            "server_url": self.url + self.options.webhook_path, "calls": len(self.agents.calls),
            "accepting": self._runner is not None,
        }  # fmt: skip


def _import_hook(spec: str) -> Callable[[dict[str, Any]], Any]:
    """The assistant hook named `module:function`.

    Raises:
        VoiceError: (invalid_config) it cannot be imported or is not callable.
    """
    module, _, attr = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"vapi: options.assistant_hook {spec!r}: {exc}") from exc
    if not callable(fn):
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"vapi: options.assistant_hook {spec!r} is not callable")
    return fn  # type: ignore[no-any-return]
