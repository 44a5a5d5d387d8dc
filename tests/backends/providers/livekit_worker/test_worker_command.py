"""`voicegraph worker`: the config of docs/scaling.md, and bad input refused with one line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers import register_builtin
from voicegraph.backends.providers.livekit_worker import LiveKitWorker, WorkerOptions
from voicegraph.commands.worker import worker_config
from voicegraph.framework.errors import ErrorCode, VoiceError

register_builtin()  # as `voicegraph worker` does before reading a config
ROOT = Path(__file__).resolve().parents[4]
ENV = {"LIVEKIT_URL": "ws://127.0.0.1:7880", "LIVEKIT_API_KEY": "devkey", "LIVEKIT_API_SECRET": "secret"}


def page_yaml(index: int = 0) -> str:
    found = re.findall(r"^```yaml\n(.*?)^```$", (ROOT / "docs" / "scaling.md").read_text(), re.M | re.S)
    assert len(found) > index
    return str(found[index])


def test_the_scaling_page_config_builds_a_worker_with_fleet_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    path = tmp_path / "worker.yaml"
    path.write_text(page_yaml())
    served = build_served(worker_config(load_config(str(path)), None))
    worker = served.backend.transport
    assert isinstance(worker, LiveKitWorker)
    assert worker.options.max_jobs == 20 and worker.ledger is not None
    assert worker.rooms.fleet is not None and worker.rooms.fleet.max_sessions == 200


def test_the_retry_settings_of_the_scaling_page_build_a_worker_that_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    path = tmp_path / "worker.yaml"
    path.write_text(page_yaml(1) + "graph: voice-agent\npersistence:\n  url: memory://\n")
    worker = build_served(worker_config(load_config(str(path)), None)).backend.transport
    assert isinstance(worker, LiveKitWorker) and worker.ledger is not None
    assert (worker.ledger.unserved.grace_s, worker.ledger.unserved.window_s) == (3.0, 120.0)


def test_an_agent_name_on_the_command_line_wins(tmp_path: Path) -> None:
    path = tmp_path / "worker.yaml"
    path.write_text(page_yaml())
    config = worker_config(load_config(str(path)), "support")
    assert config.backend.options["agent_name"] == "support"


def test_a_livekit_config_becomes_a_worker_without_its_rooms() -> None:
    config = worker_config(load_config(str(ROOT / "tests/serving/configs/livekit.yaml")), None)
    assert config.backend.provider == "livekit_worker" and "rooms" not in config.backend.options


def test_another_provider_is_refused_with_one_line() -> None:
    cfg = ROOT / "tests/serving/configs/websocket.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "voicegraph.cli", "worker", str(cfg)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "[invalid_config]" in lines[0], done.stderr


@pytest.mark.parametrize(
    "bad",
    [
        {"max_jobs": 0},
        {"lag_full_ms": -1},
        {"agent_name": 3},
        {"max_jobs": "many"},
        {"retry_grace_s": 0},
        {"retry_window_s": -1},
    ],
)
def test_bad_worker_options_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(VoiceError) as err:
        WorkerOptions.pop_from(dict(bad))
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_an_unreachable_server_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, **ENV, "LIVEKIT_URL": f"ws://127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    path = tmp_path / "worker.yaml"
    path.write_text(
        "backend:\n  provider: livekit_worker\ngraph: voice-agent\npersistence:\n  url: memory://\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "voicegraph.cli", "worker", str(path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env, check=False,
    )  # fmt: skip
    lines = [ln for ln in done.stderr.strip().splitlines() if "voicegraph worker:" in ln]
    assert done.returncode == 2 and len(lines) == 1 and "[connection_failed]" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
