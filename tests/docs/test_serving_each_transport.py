"""Every config of docs/serving_each_transport.md passes the checks of `voicegraph serve --check`.

The configs are read from the page itself, so the page cannot drift from what loads:
each is validated (`load_config`), built (`build_served`: provider options, hooks,
store) and its graph built once as a dry run (`dry_run_graph`), as `--check` does.
Credentials are placeholders in the environment; nothing is contacted.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.graph_check import dry_run_graph
from voicegraph.framework.errors import ErrorCode, VoiceError

PAGE = Path(__file__).resolve().parents[2] / "docs" / "serving_each_transport.md"
_BLOCK = re.compile(r"^```yaml\n# (serve_\w+)\.yaml.*?\n(.*?)^```$", re.M | re.S)
CONFIGS = {name: body for name, body in _BLOCK.findall(PAGE.read_text())}
PROVIDERS = ("websocket", "twilio", "webrtc", "livekit", "daily", "pipecat", "vocode", "vapi")
PLACEHOLDER_ENV = {
    "LIVEKIT_URL": "ws://127.0.0.1:7880",
    "LIVEKIT_API_KEY": "placeholder-key",
    "LIVEKIT_API_SECRET": "placeholder-secret-placeholder-secret",
    "DAILY_API_KEY": "placeholder-daily-key",
    "VAPI_SERVER_SECRET": "placeholder-server-secret",
    "VAPI_LLM_API_KEY": "placeholder-llm-api-key",
}


def test_the_page_has_one_config_per_transport() -> None:
    assert sorted(CONFIGS) == sorted(f"serve_{p}" for p in PROVIDERS)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_config_passes_the_serve_checks(
    provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in PLACEHOLDER_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # sqlite:///voicegraph-sessions.db is made here
    path = tmp_path / f"serve_{provider}.yaml"
    path.write_text(CONFIGS[f"serve_{provider}"])
    config = load_config(path)
    assert config.backend.provider == provider
    served = build_served(config)
    graph = dry_run_graph(served.backend.manager.factory, provider)
    assert graph.processors


def test_a_mistake_in_a_config_is_refused() -> None:
    data = yaml.safe_load(CONFIGS["serve_websocket"])
    data["backend"]["options"]["resume_grace"] = 10
    with pytest.raises(VoiceError) as caught:
        load_config(data, env={})
    assert caught.value.code is ErrorCode.INVALID_CONFIG
