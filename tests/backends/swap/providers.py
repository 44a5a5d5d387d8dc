"""Which providers the swap test serves, and how each one's call is run.

Every provider but Daily runs `python -m tests.backends.swap.scenario PROVIDER DIR` as a
subprocess (which starts `voicegraph serve` cold): WebRTC inside a loopback-only network
namespace (aiortc gathers every interface; tests/transports/webrtc/netns.py), LiveKit
inside the test livekit-server's namespace with its URL and keys in the environment.
Daily runs in this process (daily_caller.py says why).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.livekit_server import LiveKitServer

from .call_result import CallResult

PROVIDERS = ("websocket", "twilio", "pipecat", "webrtc", "livekit", "vocode", "daily")
"""Providers that serve an audio session: the caller speaks and hears the bot."""
TEXT_PROVIDERS = ("vapi",)
"""Vapi: voicegraph as its custom LLM (text in, text out; Vapi does STT and TTS)."""
SCENARIO_TIMEOUT_S = 240.0
"""A scenario's bound: a cold start (up to 90 s on a loaded machine), one call, a stop."""
ROOT = Path(__file__).resolve().parents[3]
_LOOPBACK_NETNS = ["unshare", "--net", "--", "sh", "-c",
                   'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec "$0" "$@"']  # fmt: skip


def run_provider(provider: str, workdir: Path, livekit: LiveKitServer | None = None) -> CallResult:
    """Serve `provider` cold and call it once; what the caller got.

    Raises:
        AssertionError: the scenario process failed (its output is attached).
    """
    if provider == "daily":
        from .daily_caller import daily_call

        return asyncio.run(daily_call(workdir))
    cmd = [sys.executable, "-m", "tests.backends.swap.scenario", provider, str(workdir)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if provider == "webrtc":
        cmd = [*_LOOPBACK_NETNS, *cmd]
    elif provider == "livekit":
        assert livekit is not None, "the livekit provider needs the test livekit-server"
        env.update(LIVEKIT_URL=livekit.url, LIVEKIT_API_KEY=livekit.api_key,
                   LIVEKIT_API_SECRET=livekit.api_secret)  # fmt: skip
        cmd = livekit.netns.wrap(cmd) if livekit.netns is not None else cmd
    code, out, err = _run(cmd, env, SCENARIO_TIMEOUT_S)
    assert code == 0 and (workdir / "result.json").exists(), (
        f"{provider} scenario exited {code}\n{out[-2000:]}\n{err[-3000:]}"
    )
    return CallResult.load(workdir)


def _run(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, str, str]:
    """Run the scenario in a session of its own; past `timeout` the whole session (the
    scenario and the `voicegraph serve` it started) is ended by its process-group id, so
    no server outlives a hung scenario."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        out, err = proc.communicate()
        err += f"\n[test] scenario still running after {timeout}s: its process group was ended"
    return proc.returncode, out, err
