"""Serve configuration: every mistake named at once, env overrides, secrets only from the env."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from voicegraph.backends.config import load_config
from voicegraph.framework.errors import ErrorCode, VoiceError

from .support import ECHO_SPEC

BAD = {
    "backend": {"provider": "carrier-pigeon", "options": {}},
    "graph": {
        "nodes": [
            {"id": "agent", "type": "echo_agent", "params": {"reply_delay_s": "soon"}},
            {"id": "tts", "type": "no_such_tts"},
        ]
    },
    "nodes": {"ghost": {"x": 1}},
    "limits": {"max_sessions": 0, "shutdown_timeout_s": -1},
    "hooks": {"rate_limit": {"rate": 5}, "processors": [{"position": "before_everything", "type": "gain"}]},
    "persistence": {"url": "mongo://db"},
    "observability": {"enabled": "maybe"},
    "surprise": True,
}


def _details(source: object, env: dict[str, str] | None = None) -> str:
    with pytest.raises(VoiceError) as err:
        load_config(source, env=env or {})  # type: ignore[arg-type]
    assert err.value.code is ErrorCode.INVALID_CONFIG
    return "\n".join(err.value.details)


def test_a_config_with_many_mistakes_names_each_of_them() -> None:
    details = _details(BAD)
    for where in (
        "backend.provider: unknown provider 'carrier-pigeon'",
        "graph.nodes[0] (id=agent, type=echo_agent): params.reply_delay_s",
        "graph.nodes[1] (id=tts, type=no_such_tts): unknown processors type 'no_such_tts'",
        "limits.max_sessions",
        "limits.shutdown_timeout_s",
        "hooks.rate_limit.burst",
        "hooks.processors.0.position",
        "persistence.url: unknown store scheme 'mongo'",
        "observability.enabled",
        "surprise: Extra inputs are not permitted",
    ):
        assert where in details, where
    assert len(details.splitlines()) >= 10


def test_node_overrides_for_unknown_nodes_are_named() -> None:
    details = _details({"graph": ECHO_SPEC, "nodes": {"ghost": {"x": 1}}})
    assert "nodes.ghost" in details


def test_secrets_written_in_the_file_are_refused() -> None:
    config = {
        "graph": ECHO_SPEC,
        "nodes": {"agent": {"api_key": "sk-live-123"}},
        "persistence": {"url": "redis://:hunter2@127.0.0.1:6379/0"},
    }
    details = _details(config)
    assert "nodes.agent.api_key: secrets must come from the environment" in details
    assert "persistence.url: a URL with a password must come from the environment" in details


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text(yaml.safe_dump({"graph": ECHO_SPEC, "limits": {"max_sessions": 5}}))
    env = {
        "VOICEGRAPH_LIMITS__MAX_SESSIONS": "7",
        "VOICEGRAPH_BACKEND__OPTIONS__PORT": "9123",
        "VOICEGRAPH_NODES__AGENT__REPLY_DELAY_S": "0.25",
        "VOICEGRAPH_AUTH_TOKENS": "not-an-override",
    }
    config = load_config(path, env=env)
    assert config.limits.max_sessions == 7
    assert config.backend.options == {"port": 9123}
    assert config.nodes == {"agent": {"reply_delay_s": 0.25}}


def test_a_bad_environment_override_is_named_like_a_file_mistake() -> None:
    details = _details({"graph": ECHO_SPEC}, env={"VOICEGRAPH_LIMITS__MAX_SESSIONS": "lots"})
    assert "limits.max_sessions" in details


def test_a_graph_spec_file_is_resolved_next_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "echo.yaml").write_text(yaml.safe_dump(ECHO_SPEC))
    (tmp_path / "serve.yaml").write_text(yaml.safe_dump({"graph": "echo.yaml"}))
    assert load_config(tmp_path / "serve.yaml", env={}).graph == "echo.yaml"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"graph": "missing.yaml"}))
    assert "graph: no such spec file" in _details(tmp_path / "bad.yaml")


def test_the_shipped_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "voicegraph/backends/serve_example.yaml"
    config = load_config(example, env={})
    assert config.backend.provider == "websocket"
    assert config.hooks.rate_limit is not None and config.hooks.rate_limit.burst == 20


@pytest.mark.parametrize(
    ("provider", "options", "problem"),
    [
        ("daily", {"modee": "per_room"}, "modee: unknown option for provider 'daily' (did you mean 'mode'?)"),
        ("pipecat", {"sampel_rate": 1}, "sampel_rate: unknown option for provider 'pipecat' "
         "(did you mean 'sample_rate'?)"),
    ],
)  # fmt: skip
def test_option_typos_of_the_new_providers_are_named(
    provider: str, options: dict[str, object], problem: str
) -> None:
    from voicegraph.backends.provider_options import check_options

    assert check_options(provider, options) == [f"backend.options.{problem}"]


def test_the_session_lease_reaches_the_session_owner() -> None:
    from voicegraph.backends.from_config import build_served

    config = load_config(
        {"graph": ECHO_SPEC, "limits": {"session_lease_s": 6}, "persistence": {"url": "memory://"}}
    )
    served = build_served(config)
    assert served.backend.manager.ownership.lease_s == 6.0
