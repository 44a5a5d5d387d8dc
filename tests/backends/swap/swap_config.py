"""The provider-swap config: serve.yaml with only its `backend:` block replaced per provider.

    path = write_config("twilio", tmp_dir, port=free_port())   # a config file for `voicegraph serve`

The graph (graph.yaml) and every other section stay as they are, so a provider that
answers differently has only its backend to blame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "serve.yaml"
GRAPH = HERE / "graph.yaml"
LOOPBACK = {"host": "127.0.0.1"}
BACKENDS: dict[str, dict[str, Any]] = {
    "websocket": {"provider": "websocket", "options": {**LOOPBACK}},
    "twilio": {"provider": "twilio", "options": {**LOOPBACK}},
    "pipecat": {"provider": "pipecat", "options": {**LOOPBACK, "transport": "websocket"}},
    "webrtc": {"provider": "webrtc", "options": {**LOOPBACK}},
    "livekit": {"provider": "livekit", "options": {"rooms": ["swap"]}},
    "vocode": {"provider": "vocode", "options": {**LOOPBACK, "telephony_port": 0}},
    "daily": {"provider": "daily", "options": {"api_key_env": "DAILY_API_KEY", "create_room": "swap"}},
}
"""The only part of the config that differs: each provider's `backend:` block (ports are
filled in by `write_config`; livekit and daily take their servers and keys from the
environment, as in production)."""


def config_for(provider: str, *, port: int = 0, store: Path | None = None) -> dict[str, Any]:
    """serve.yaml as a dict with `provider`'s backend block (and `port`, if it listens)."""
    config: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text())
    backend = {"provider": provider, "options": dict(BACKENDS[provider]["options"])}
    if "host" in backend["options"]:
        backend["options"]["port"] = port
    config["backend"] = backend
    config["graph"] = str(GRAPH)
    if store is not None:  # sessions filed where the test reads what the server understood
        config["persistence"] = {"url": f"sqlite:///{store}"}
    return config


def write_config(provider: str, directory: Path, *, port: int = 0, store: Path | None = None) -> Path:
    """Write the config for `provider` into `directory`; its path."""
    path = directory / f"serve-{provider}.yaml"
    path.write_text(yaml.safe_dump(config_for(provider, port=port, store=store), sort_keys=False))
    return path
