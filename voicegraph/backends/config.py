"""ServeConfig: one YAML file for a backend, validated by pydantic, overridden by the environment."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voicegraph.backends.gc_policy import GcConfig
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.spec import GraphSpec

ENV_PREFIX = "VOICEGRAPH_"
_SECRET_KEYS = re.compile(
    r"^(password|passwd|secret|token|api_?key|access_token|auth_token|client_secret|private_key|credentials?)$"
    r"|_(password|secret|api_?key|token)$"
)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@]*:[^/@]+@", re.IGNORECASE)
SLOT_POSITIONS = Literal[
    "after_input",
    "before_stt",
    "after_stt",
    "before_tts",
    "after_tts",
    "before_s2s",
    "after_s2s",
    "before_output",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BackendSection(_Model):
    """Which transport provider serves the sessions, and its options (host, port...)."""

    provider: str = "websocket"
    """Provider name (`voicegraph providers` lists them): websocket, twilio, webrtc, livekit,
    livekit_worker, daily, pipecat, vocode, vapi, memory, or one registered by a package."""
    options: dict[str, Any] = Field(default_factory=dict)
    """The provider's own options (host, port, paths...): see the per-provider tables below."""


class PersistenceConfig(_Model):
    """Where session records live: `memory://`, `sqlite:///file.db`, `redis://host:port/0`.

    `url_env` names an environment variable holding the URL (use it when the URL has a
    password); it wins over `url`.
    """

    url: str = "sqlite:///voicegraph-sessions.db"
    """Session store URL (relative SQLite paths resolve against the config file)."""
    url_env: str | None = None
    """Environment variable holding the URL instead (for URLs with a password)."""


class AuthConfig(_Model):
    """`none`, `token` (bearer tokens from `tokens_env`), or `module:Class` of an AuthHook."""

    type: str = "none"
    """`none`, `token`, or `module:Class` of an `AuthHook`."""
    tokens_env: str = "VOICEGRAPH_AUTH_TOKENS"
    """For `token`: environment variable with the accepted tokens (comma separated,
    `token` or `token=principal`)."""


class RateLimitConfig(_Model):
    """Token bucket per client and per session."""

    rate: float = Field(gt=0)
    """Tokens added per second (sustained operations per second)."""
    burst: int = Field(ge=1)
    """Bucket size: operations allowed at once before the rate applies."""


class RetentionConfig(_Model):
    """How long a completed session's record is kept (0: deleted at once)."""

    keep_completed_s: float = Field(default=0.0, ge=0)


class SlotConfig(_Model):
    """A custom processor (registry `type` and `params`) at a named position of every graph."""

    position: SLOT_POSITIONS
    """Where in every graph the processor goes."""
    type: str
    """Registered node type (as in a graph spec)."""
    params: dict[str, Any] = Field(default_factory=dict)
    """The node's parameters."""
    order: int = 0
    """Order among processors at the same position (lower first)."""


class HooksConfig(_Model):
    """Hooks: auth, rate limits, retention, telephony (`module:Class`), custom processors."""

    auth: AuthConfig = Field(default_factory=lambda: AuthConfig())
    """Who may connect (checked before any graph exists)."""
    rate_limit: RateLimitConfig | None = None
    """Connects per client host and client operations per session (None: no limit)."""
    retention: RetentionConfig = Field(default_factory=lambda: RetentionConfig())
    """How long completed sessions are kept."""
    telephony: str | None = None
    """`module:Class` of a `TelephonyHook` (routes inbound calls, DTMF)."""
    processors: list[SlotConfig] = Field(default_factory=list)
    """Custom processors put into every session's graph."""


class LimitsConfig(_Model):
    """Capacity and deadlines."""

    max_sessions: int = Field(default=100, ge=1, le=1_000_000)
    """Sessions at once in this process; past it a client is refused with
    `session_limit_exceeded` (retriable)."""
    shutdown_timeout_s: float = Field(default=10.0, ge=0)
    """On SIGTERM: how long running sessions get to finish before they are cut."""
    resume_window_s: float = Field(default=300.0, ge=0)
    """How long a dropped session can be resumed with its token."""
    session_lease_s: float = Field(default=30.0, gt=0)
    """Failover across machines: how long a record written by a process on another host
    stays owned without a refresh before this process may resume it (live processes
    refresh their records every third of it). Records of a dead process on this host are
    taken at once."""
    end_timeout_s: float = Field(default=30.0, gt=0)
    """Deadline for a session's graph to drain when the session ends."""
    graph_start_timeout_s: float = Field(default=60.0, gt=0)
    """Deadline for one session's graph to start (its nodes' `on_start`); past it the client
    is closed with 4408. Engines are preloaded, so this only bounds per-session setup."""
    graph_stop_timeout_s: float = Field(default=2.0, gt=0)
    """Deadline for one session's graph to stop."""
    preload_timeout_s: float = Field(default=300.0, gt=0)
    """Deadline for loading and warming the engines at start (then serve exits with 2)."""


class EnginesConfig(_Model):
    """Engines at start: `preload` loads the graph's engines before the server says ready
    (sessions that connect meanwhile wait, their audio kept); `warm` also runs each once."""

    preload: bool = True
    """Load the graph's engines before saying ready."""
    warm: bool = True
    """Run each engine once after loading (first-call latency paid at start)."""


class LoggingConfig(_Model):
    """Human-readable log lines on stderr (JSON events stay on stdout)."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    """Lowest level of the stderr log lines."""
    tracebacks: bool = False
    """Print tracebacks of failures (always at level debug)."""


class HealthThresholds(_Model):
    """When `/health` says `degraded` (still 200: the process serves, but worse)."""

    loop_lag_ms: float = Field(default=100.0, gt=0)
    """Event-loop lag (sleep overshoot, worst of the last monitor window) above this."""
    playout_late_ratio: float = Field(default=0.2, gt=0, le=1)
    """Share of late playout ticks (over the last window) above this."""


class ObservabilityConfig(_Model):
    """OpenTelemetry: off by default; `exporter` console | otlp | none (standard OTEL_* env
    variables also switch it on: see `voicegraph.backends.observability`)."""

    enabled: bool = False
    """Export traces and metrics."""
    service_name: str = "voicegraph"
    """OTEL `service.name`."""
    exporter: Literal["none", "console", "otlp"] = "otlp"
    """Where to: `otlp` (OTEL_EXPORTER_OTLP_* env variables), `console`, or `none`."""


class HealthConfig(_Model):
    """The HTTP health endpoint."""

    enabled: bool = True
    """Serve `/health` (JSON: status, sessions, engines, loop lag)."""
    host: str = "127.0.0.1"
    """Address to bind (loopback by default)."""
    port: int = Field(default=0, ge=0, le=65535)
    """Port (0: a free one, printed in the `ready` event)."""
    path: str = "/health"
    """URL path."""
    token_env: str | None = None
    """Environment variable holding a token the endpoint then requires (bearer header or
    `?token=`; 401 without it). None: open (the report holds no secrets)."""
    degraded: HealthThresholds = Field(default_factory=lambda: HealthThresholds())
    """When the status turns `degraded`."""


class ServeConfig(_Model):
    """Everything `voicegraph serve` needs. `graph` is an inline spec, a spec file path
    (relative to the config file), `module:function` of a Python graph factory, or
    `voice-agent` (the stock voice agent spec)."""

    backend: BackendSection = Field(default_factory=lambda: BackendSection())
    """The transport provider and its options."""
    graph: GraphSpec | str
    """The graph every session runs (see above)."""
    nodes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Parameter overrides by node id, merged into the graph's nodes (`{stt: {model: ...}}`)."""
    hooks: HooksConfig = Field(default_factory=lambda: HooksConfig())
    """Auth, rate limits, retention, telephony, custom processors."""
    limits: LimitsConfig = Field(default_factory=lambda: LimitsConfig())
    """Capacity and deadlines."""
    persistence: PersistenceConfig = Field(default_factory=lambda: PersistenceConfig())
    """Where session records are kept."""
    observability: ObservabilityConfig = Field(default_factory=lambda: ObservabilityConfig())
    """OpenTelemetry export."""
    health: HealthConfig = Field(default_factory=lambda: HealthConfig())
    """The health endpoint."""
    engines: EnginesConfig = Field(default_factory=lambda: EnginesConfig())
    """Engine preloading at start."""
    logging: LoggingConfig = Field(default_factory=lambda: LoggingConfig())
    """Log lines on stderr."""
    gc: GcConfig = Field(default_factory=lambda: GcConfig())
    """Garbage collector once ready: freeze the start-up heap, thresholds (`gc_policy`)."""
    base_dir: str = Field(default="", exclude=True)
    """Directory of the config file (relative paths resolve against it)."""


def find_secrets(data: Any, where: str = "") -> list[str]:
    """Config keys that hold secrets literally (they must come from the environment)."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{where}.{key}" if where else str(key)
            if isinstance(value, str) and value and _SECRET_KEYS.search(str(key).lower()):
                found.append(f"{path}: secrets must come from the environment, not the config file")
            elif isinstance(value, str) and _URL_PASSWORD.match(value):
                found.append(f"{path}: a URL with a password must come from the environment (e.g. url_env)")
            else:
                found.extend(find_secrets(value, path))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found.extend(find_secrets(item, f"{where}[{i}]"))
    return found


def apply_env(data: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Overrides from `VOICEGRAPH_SECTION__KEY[__SUBKEY...]=value` (values parsed as YAML)."""
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        node = data
        for key in path[:-1]:
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                node[key] = nxt
            node = nxt
        try:
            node[path[-1]] = yaml.safe_load(env[name])
        except yaml.YAMLError:
            node[path[-1]] = env[name]
    return data


def _errors(exc: ValidationError) -> list[str]:
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        out.append(f"{loc}: {e['msg']}")
    return out


def load_config(source: str | Path | dict[str, Any], *, env: dict[str, str] | None = None) -> ServeConfig:
    """Read, override from the environment and validate a serve configuration.

    Raises:
        VoiceError: (invalid_config) every mistake, one detail line each (field path: problem).
    """
    base = ""
    if isinstance(source, dict):
        data: Any = source
    else:
        path = Path(source)
        try:
            text = path.read_text()
        except OSError as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"cannot read config {path}: {exc.strerror}") from exc
        base = str(path.resolve().parent)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"config {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise VoiceError(ErrorCode.INVALID_CONFIG, "a config is a YAML mapping")
    from voicegraph.backends.config_checks import check_references

    problems = find_secrets(data)
    data = apply_env(dict(data), dict(os.environ if env is None else env))
    problems += check_references(data, base)
    try:
        config = ServeConfig.model_validate({**data, "base_dir": base})
    except ValidationError as exc:
        problems.extend(_errors(exc))
        raise VoiceError(ErrorCode.INVALID_CONFIG, "invalid config", details=tuple(problems)) from exc
    if problems:
        raise VoiceError(ErrorCode.INVALID_CONFIG, "invalid config", details=tuple(problems))
    return config
