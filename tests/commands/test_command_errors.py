"""Mistakes a user can make on the command line end in one line with a code, exit 2.

Each case failed with a traceback before the fix (a missing `--spec` file, bad JSON in
`--embedder-params`, Ctrl-C during `run`) or only after the whole conversation had run
(an `--out` that cannot be written).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from voicegraph.cli import main


def _one_coded_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


def test_run_with_a_missing_spec_file_is_invalid_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--spec", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "c.wav")])
    assert code == 2
    assert "[invalid_input]" in _one_coded_line(capsys)


def test_run_with_an_unwritable_out_fails_before_loading_engines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "taken"
    out.mkdir()  # a directory where the WAV file should go
    code = main(["run", "--out", str(out), "--stt", "pocketsphinx", "--tts", "espeak", "--agent", "scripted"])
    assert code == 2
    assert "[invalid_input]" in _one_coded_line(capsys)
    assert "loading engines" not in capsys.readouterr().out


@pytest.mark.parametrize("params", ["{bad", "[1]"])
def test_index_with_bad_embedder_params_is_invalid_config(
    params: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.md").write_text("# A\n\nSome text.\n")
    code = main(["index", str(tmp_path), "--db", str(tmp_path / "k.db"), "--embedder-params", params])
    assert code == 2
    assert "[invalid_config]" in _one_coded_line(capsys)


@pytest.mark.slow
def test_ctrl_c_during_run_stops_with_one_line_and_status_130(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "voicegraph.cli", "run", "--stt", "pocketsphinx", "--tts", "espeak",
           "--agent", "scripted", "--caller-voice", "espeak", "--out", str(tmp_path / "c.wav")]  # fmt: skip
    # SIG_DFL in the child: a shell's background jobs (CI's too) start with SIGINT ignored.
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(root)}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert "loading engines" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "c.wav").exists()


@pytest.mark.parametrize(
    ("provider", "module", "package"),
    [
        ("webrtc", "aiortc", "aiortc"),
        ("websocket", "websockets", "websockets"),
        ("daily", "daily", "daily-python"),
    ],
)
def test_serve_check_names_a_missing_transport_package(
    provider: str,
    module: str,
    package: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "serve.yaml"
    config.write_text(f"backend: {{provider: {provider}}}\ngraph: {{nodes: [{{id: a, type: echo_agent}}]}}\n")
    monkeypatch.setitem(sys.modules, module, None)  # as if the package were not installed
    code = main(["serve", str(config), "--check"])
    assert code == 2
    line = _one_coded_line(capsys)
    assert "[missing_dependency]" in line and package in line and "pip install 'voicegraph[" in line


def test_serve_check_passes_when_the_transport_package_is_installed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "serve.yaml"
    config.write_text("backend: {provider: websocket}\ngraph: {nodes: [{id: a, type: echo_agent}]}\n")
    assert main(["serve", str(config), "--check"]) == 0
    assert '"checked"' in capsys.readouterr().out
