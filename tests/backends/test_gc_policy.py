"""The serving GC policy: the `gc:` config section, what `apply_gc_policy` does, and `serve` applying it.

The policy changes process-wide state (frozen heap, thresholds), so it is applied in a
fresh interpreter (`voicegraph serve` itself, or `python -c`), never in the test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving.serve_process import ServeProcess, free_port
from voicegraph.backends.config import load_config
from voicegraph.backends.gc_policy import GcConfig
from voicegraph.framework.errors import ErrorCode, VoiceError

ROOT = Path(__file__).resolve().parents[2]
ECHO = {"graph": {"name": "echo", "nodes": [{"id": "agent", "type": "echo_agent"}]}}
_APPLY = """
import gc, json, sys
from voicegraph.backends.gc_policy import GcConfig, apply_gc_policy
before = list(gc.get_threshold())
done = apply_gc_policy(GcConfig.model_validate(json.loads(sys.argv[1])))
print(json.dumps({"before": before, "done": done, "frozen": gc.get_freeze_count(),
                  "after": list(gc.get_threshold())}))
"""


def _apply(section: dict[str, object]) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", _APPLY, json.dumps(section)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_the_default_policy_freezes_the_start_up_heap_and_sets_thresholds() -> None:
    out = _apply({})
    defaults = GcConfig()
    assert out["after"] == [defaults.threshold0, defaults.threshold1, defaults.threshold2]
    assert isinstance(out["frozen"], int) and out["frozen"] > 1000


def test_a_disabled_policy_leaves_the_collector_alone() -> None:
    out = _apply({"enabled": False})
    assert out["after"] == out["before"]
    assert out["frozen"] == 0


def test_freeze_false_sets_thresholds_without_freezing() -> None:
    out = _apply({"freeze": False, "threshold0": 1234})
    assert out["frozen"] == 0
    assert isinstance(out["after"], list) and out["after"][0] == 1234


def test_the_gc_section_is_validated_with_one_line_per_mistake() -> None:
    with pytest.raises(VoiceError) as err:
        load_config({**ECHO, "gc": {"threshold0": 0, "freez": True}})
    assert err.value.code is ErrorCode.INVALID_CONFIG
    assert sorted(d.split(":")[0] for d in err.value.details) == ["gc.freez", "gc.threshold0"]


def test_the_gc_section_can_be_switched_off_from_the_environment() -> None:
    config = load_config(ECHO, env={"VOICEGRAPH_GC__ENABLED": "false"})
    assert config.gc.enabled is False


@pytest.mark.timeout(90)
def test_serve_applies_the_policy_once_ready(tmp_path: Path) -> None:
    cfg = tmp_path / "serve.yaml"
    cfg.write_text(
        "backend: {provider: websocket, options: {host: 127.0.0.1}}\n"
        "graph: {name: echo, nodes: [{id: agent, type: echo_agent}]}\n"
        "gc: {threshold0: 5000}\n"
        "persistence: {url: 'memory://'}\n"
    )
    with ServeProcess(cfg, tmp_path, port=free_port()) as server:
        ready = server.ready(60)
    assert ready["gc"]["enabled"] is True
    assert ready["gc"]["thresholds"][0] == 5000
    assert ready["gc"]["frozen"] > 1000
