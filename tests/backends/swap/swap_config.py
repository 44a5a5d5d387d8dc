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
    "vapi": {"provider": "vapi", "options": {**LOOPBACK}},
    "daily": {"provider": "daily", "options": {"api_key_env": "DAILY_API_KEY", "create_room": "swap"}},
}
"""The only part of the config that differs: each provider's `backend:` block (ports are
filled in by `write_config`; livekit and daily take their servers and keys from the
environment, as in production)."""


def config_for(provider: str, *, port: int = 0, store: Path | None = None) -> dict[str, Any]:
    """serve.yaml as a dict with `provider`'s backend block (and `port`, if it listens)."""
    config: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text())
    options: dict[str, Any] = dict(BACKENDS[provider]["options"])
    if "host" in options:
        options["port"] = port
    config["backend"] = {"provider": provider, "options": options}
    config["graph"] = text_graph() if provider == "vapi" else str(GRAPH)
    if store is not None:  # sessions filed where the test reads what the server understood
        config["persistence"] = {"url": f"sqlite:///{store}"}
    return config


def text_graph() -> dict[str, Any]:
    """graph.yaml's scripted agent alone (text in, text out), for `vapi`: Vapi does the
    call's STT and TTS itself and asks voicegraph only for the reply's text, which its
    custom-LLM endpoint streams from the graph's `LLMTextFrame`s. The speech graph's
    output carries audio and played words (`BotTextFrame`) instead, so it is not served
    there: the endpoint would answer 200 with no text."""
    spec: dict[str, Any] = yaml.safe_load(GRAPH.read_text())
    agent = next(node for node in spec["nodes"] if node["id"] == "agent")
    return {"name": f"{spec['name']}-text", "nodes": [agent]}


def write_config(provider: str, directory: Path, *, port: int = 0, store: Path | None = None) -> Path:
    """Write the config for `provider` into `directory`; its path."""
    path = directory / f"serve-{provider}.yaml"
    path.write_text(yaml.safe_dump(config_for(provider, port=port, store=store), sort_keys=False))
    return path
