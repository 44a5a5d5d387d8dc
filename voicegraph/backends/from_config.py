"""Build a running backend (and its health endpoint, telemetry) from a `ServeConfig`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicegraph.backends.backend import Backend
from voicegraph.backends.config_checks import import_object, short_form_spec
from voicegraph.backends.graph_factory import SpecGraphFactory
from voicegraph.backends.health_server import HealthServer
from voicegraph.backends.hooks import DataRetentionHook, Hooks, TokenAuthHook
from voicegraph.backends.processor_slots import spec_slot, with_processors
from voicegraph.backends.providers import provider, register_builtin
from voicegraph.backends.rate_limiter import RateLimiter
from voicegraph.backends.stores.store_factory import create_store
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from voicegraph.backends.config import HooksConfig, ServeConfig
    from voicegraph.backends.observability import Observability
    from voicegraph.framework.graph import Graph


@dataclass(slots=True)
class Served:
    """A backend built from configuration, with its health server and telemetry (if on)."""

    backend: Backend[Any]
    health: HealthServer | None
    observability: Observability | None

    async def start(self) -> None:
        """Start the backend, then the health endpoint."""
        await self.backend.start()
        if self.health is not None:
            await self.health.start()

    async def stop(self, timeout: float) -> None:
        """Graceful stop (health reports unhealthy meanwhile), then the health endpoint."""
        try:
            await self.backend.stop(timeout)
        finally:
            if self.health is not None:
                await self.health.stop()

    async def abort(self) -> None:
        """Forced stop."""
        try:
            await self.backend.abort()
        finally:
            if self.health is not None:
                await self.health.stop()


def graph_source(config: ServeConfig) -> Callable[[Any], Graph]:
    """The per-session graph factory the config names (spec, spec file, or `module:function`)."""
    graph = short_form_spec(config.graph) or config.graph
    if isinstance(graph, str) and ":" in graph and not graph.endswith((".yaml", ".yml")):
        factory: Callable[[Any], Graph] = import_object(graph)
        return factory
    if isinstance(graph, str) and not Path(graph).is_absolute():
        graph = str(Path(config.base_dir or ".") / graph)
    return SpecGraphFactory(graph, node_params=config.nodes)


def build_hooks(config: HooksConfig) -> Hooks:
    """The hooks the config asks for."""
    hooks = Hooks(retention=DataRetentionHook(config.retention.keep_completed_s))
    if config.auth.type == "token":
        hooks.auth = TokenAuthHook(env=config.auth.tokens_env)
    elif config.auth.type != "none":
        hooks.auth = import_object(config.auth.type)()
    if config.rate_limit is not None:
        hooks.rate_limiter = RateLimiter(config.rate_limit.rate, config.rate_limit.burst)
    if config.telephony:
        hooks.telephony = import_object(config.telephony)()
    return hooks


def build_served(config: ServeConfig, env: Mapping[str, str] | None = None) -> Served:
    """Everything `voicegraph serve` runs, from a validated config.

    Raises:
        VoiceError: (invalid_config, provider_not_found, missing_dependency) as named.
    """
    env = os.environ if env is None else env
    register_builtin()
    slots = [spec_slot(s.position, s.type, s.params, s.order) for s in config.hooks.processors]
    factory = with_processors(graph_source(config), slots)
    url = env.get(config.persistence.url_env, "") if config.persistence.url_env else ""
    store = create_store(url or config.persistence.url)
    obs = None
    if config.observability.enabled or _otel_env(env):
        from voicegraph.backends.observability import from_config

        obs = from_config(config.observability, env)
    limits = config.limits
    backend = Backend(
        provider(config.backend.provider), factory, options=dict(config.backend.options),
        hooks=build_hooks(config.hooks), store=store, max_sessions=limits.max_sessions,
        listeners=[obs] if obs is not None else None, end_timeout=limits.end_timeout_s,
        start_timeout=limits.graph_start_timeout_s, stop_timeout=limits.graph_stop_timeout_s,
    )  # fmt: skip
    backend.manager.resume_window_s = limits.resume_window_s
    backend.manager.ownership.lease_s = limits.session_lease_s
    health = None
    if config.health.enabled:
        h = config.health
        reuse = bool(config.backend.options.get("reuse_port"))
        token = env.get(h.token_env, "") if h.token_env else None
        if h.token_env and not token:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"health.token_env: {h.token_env} is not set")
        health = HealthServer(
            backend.health, host=h.host, port=h.port, path=h.path, reuse_port=reuse, token=token
        )
    return Served(backend, health, obs)


def _otel_env(env: Mapping[str, str]) -> bool:
    """Whether OTEL_* variables switch telemetry on (checked without importing OpenTelemetry)."""
    from voicegraph.backends.observability import enabled_by_env

    return enabled_by_env(env)
