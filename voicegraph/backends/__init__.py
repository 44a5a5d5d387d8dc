"""Backends: a transport provider plus a graph factory plus hooks, serving sessions.

The session layer above the runtime: configuration (`load_config`), hooks (auth,
telephony routing, data retention), rate limits, sessions (`SessionManager`, records,
stores), health, graceful shutdown, observability, and `providers/` — one module per
backend provider (memory, websocket, twilio, webrtc, livekit). This layer imports
framework, audio, processors, transports and graphs; nothing imports it but commands.
"""

from __future__ import annotations

from voicegraph.backends.backend import Backend as Backend
from voicegraph.backends.backend import BackendCapabilities as BackendCapabilities
from voicegraph.backends.backend import BackendProvider as BackendProvider
from voicegraph.backends.config import ServeConfig as ServeConfig
from voicegraph.backends.config import load_config as load_config
from voicegraph.backends.from_config import Served as Served
from voicegraph.backends.from_config import build_served as build_served
from voicegraph.backends.health_server import HealthServer as HealthServer
from voicegraph.backends.hooks import AuthHook as AuthHook
from voicegraph.backends.hooks import CallRoute as CallRoute
from voicegraph.backends.hooks import ConnectRequest as ConnectRequest
from voicegraph.backends.hooks import DataRetentionHook as DataRetentionHook
from voicegraph.backends.hooks import Hooks as Hooks
from voicegraph.backends.hooks import Principal as Principal
from voicegraph.backends.hooks import TelephonyHook as TelephonyHook
from voicegraph.backends.hooks import TokenAuthHook as TokenAuthHook
from voicegraph.backends.live_session import SessionListener as SessionListener
from voicegraph.backends.observability import Observability as Observability
from voicegraph.backends.providers import create_backend as create_backend
from voicegraph.backends.providers import provider as provider
from voicegraph.backends.providers import register_builtin as register_builtin
from voicegraph.backends.rate_limiter import RateLimiter as RateLimiter
from voicegraph.backends.session import Session as Session
from voicegraph.backends.session import SessionState as SessionState
from voicegraph.backends.session_manager import SessionManager as SessionManager
from voicegraph.backends.shutdown import GracefulShutdown as GracefulShutdown
from voicegraph.backends.stores import MemorySessionStore as MemorySessionStore
from voicegraph.backends.stores import SessionStore as SessionStore
from voicegraph.backends.stores import create_store as create_store
from voicegraph.transports.health_report import ComponentHealth as ComponentHealth
from voicegraph.transports.health_report import HealthReport as HealthReport
from voicegraph.transports.health_report import HealthStatus as HealthStatus

__all__ = [
    "AuthHook",
    "Backend",
    "BackendCapabilities",
    "BackendProvider",
    "CallRoute",
    "ComponentHealth",
    "ConnectRequest",
    "DataRetentionHook",
    "GracefulShutdown",
    "HealthReport",
    "HealthServer",
    "HealthStatus",
    "Hooks",
    "MemorySessionStore",
    "Observability",
    "Principal",
    "RateLimiter",
    "ServeConfig",
    "Served",
    "Session",
    "SessionListener",
    "SessionManager",
    "SessionState",
    "SessionStore",
    "TelephonyHook",
    "TokenAuthHook",
    "build_served",
    "create_backend",
    "create_store",
    "load_config",
    "provider",
    "register_builtin",
]
