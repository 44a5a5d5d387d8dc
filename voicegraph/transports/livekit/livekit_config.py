"""LiveKitConfig: where the LiveKit server is, the credentials, and the agent's settings."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Mapping

ENV_URL = "LIVEKIT_URL"
ENV_API_KEY = "LIVEKIT_API_KEY"
ENV_API_SECRET = "LIVEKIT_API_SECRET"

_SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}


class LiveKitConfig(BaseModel):
    """Settings for LiveKit Cloud (`wss://<project>.livekit.cloud`) or a self-hosted server.

    Build it directly, or with `from_env()` (LIVEKIT_URL, LIVEKIT_API_KEY,
    LIVEKIT_API_SECRET; keyword overrides win). `http://` and `https://` URLs are
    accepted and stored as `ws://`/`wss://`, the form the realtime SDK takes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    """Server URL, e.g. `ws://127.0.0.1:7880` or `wss://my-project.livekit.cloud`."""
    api_key: str = Field(min_length=1)
    api_secret: SecretStr
    agent_identity: str = Field(default="voicegraph-agent", min_length=1)
    """Identity of the agent participant in every room it joins."""
    agent_name: str = "voicegraph"
    """Display name of the agent participant."""
    connect_timeout_s: float = Field(default=10.0, gt=0)
    """Deadline for one room connection (SDK retries included)."""
    request_timeout_s: float = Field(default=10.0, gt=0)
    """Deadline for one RoomService call or health probe."""
    reconnect_initial_s: float = Field(default=0.5, gt=0)
    """First delay of the agent's own reconnect loop (after the SDK's retries gave up)."""
    reconnect_max_s: float = Field(default=8.0, gt=0)
    """Longest delay between reconnect attempts."""
    reconnect_attempts: int = Field(default=0, ge=0)
    """Reconnect attempts before a room is given up (0: keep trying until left)."""
    rejoin_grace_s: float = Field(default=15.0, ge=0)
    """How long a user's session waits for the user to come back after they vanish."""
    end_call_removes_user: bool = True
    """After a hang-up (`EndCallFrame`) the agent removes the user from the room, as a
    phone hang-up would (a SIP caller's call ends); False: it only ends its session."""
    input_rate: int = Field(default=16000, gt=0)
    """Sample rate of the user audio handed to the graph (LiveKit delivers 48 kHz)."""
    resample_quality: Literal["QQ", "LQ", "MQ", "HQ", "VHQ"] = "LQ"
    """soxr recipe both ways. LQ holds back about 6 ms at 48->16 kHz and 1 ms at
    22.05->48 kHz; HQ holds back 21 ms and up to 33 ms."""
    media_rate: int = Field(default=48000, gt=0)
    """Sample rate of the audio exchanged with LiveKit. Set it to `input_rate` (16000) and
    the SDK resamples natively, outside the event loop, instead of soxr in Python: about a
    tenth of a worker's CPU per session (docs/scaling.md)."""
    input_frame_ms: int | None = Field(default=None, ge=10, le=100)
    """Duration of each user audio frame the SDK hands over (None: its 10 ms). 20 halves
    the per-frame events a session costs and adds up to 10 ms to turn detection."""
    audio_queue_ms: int = Field(default=200, ge=10)
    """Size of the SDK's outgoing audio queue (cleared on barge-in)."""
    token_ttl_s: int = Field(default=6 * 3600, gt=0)
    """Lifetime of the tokens this process issues."""

    @field_validator("url")
    @classmethod
    def _normalize_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        scheme = _SCHEMES.get(parts.scheme.lower())
        if scheme is None or not parts.netloc:
            raise ValueError("must be a ws://, wss://, http:// or https:// URL with a host")
        return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))

    @classmethod
    def create(cls, **values: Any) -> LiveKitConfig:
        """Validate `values` into a config.

        Raises:
            VoiceError: (invalid_config) one detail line per bad or missing field.
        """
        try:
            return cls(**values)
        except ValidationError as exc:
            details = tuple(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise VoiceError(ErrorCode.INVALID_CONFIG, "bad LiveKit config", details=details) from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> LiveKitConfig:
        """A config from LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET plus `overrides`.

        Raises:
            VoiceError: (invalid_config) a value is missing from both or is invalid.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for key, var in (("url", ENV_URL), ("api_key", ENV_API_KEY), ("api_secret", ENV_API_SECRET)):
            if env.get(var):
                values[key] = env[var]
        values.update(overrides)
        missing = [var for key, var in _REQUIRED if key not in values]
        if missing:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                "LiveKit needs a URL, an API key and an API secret",
                details=tuple(f"set {var} or pass {key}=" for key, var in _REQUIRED if var in missing),
            )
        return cls.create(**values)

    @property
    def http_url(self) -> str:
        """The same server as `http(s)://` (RoomService, health check)."""
        parts = urlsplit(self.url)
        return urlunsplit(("https" if parts.scheme == "wss" else "http", parts.netloc, parts.path, "", ""))

    @property
    def is_cloud(self) -> bool:
        """Whether the URL points at LiveKit Cloud (its API fails over between regions)."""
        host = urlsplit(self.url).hostname or ""
        return host.endswith(".livekit.cloud")

    def secret(self) -> str:
        """The API secret in clear (for signing tokens)."""
        return self.api_secret.get_secret_value()


_REQUIRED = (("url", ENV_URL), ("api_key", ENV_API_KEY), ("api_secret", ENV_API_SECRET))
