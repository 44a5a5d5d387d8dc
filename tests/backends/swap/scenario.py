"""One provider's swap call, end to end: `python -m tests.backends.swap.scenario PROVIDER OUTDIR`.

Writes the provider's config (serve.yaml with its backend block), starts `voicegraph
serve` cold from it as a subprocess, waits for `ready`, has the provider's own kind of
caller say the question, stops the server with SIGTERM and saves what the caller got
(`OUTDIR/bot.wav`, `OUTDIR/result.json`). Runs as its own process so WebRTC can run in a
loopback-only network namespace and LiveKit in the test livekit-server's namespace.
Daily runs in process instead (daily_caller.py says why).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.serving.question import question
from tests.serving.serve_process import ServeProcess, free_port

from .call_result import CallResult
from .swap_config import write_config

READY_S = 90.0


def _call(provider: str, server: ServeProcess, port: int, store: Path) -> CallResult:
    base = f"ws://127.0.0.1:{port}"
    if provider == "websocket":
        from .ws_callers import websocket_call

        return asyncio.run(websocket_call(base))
    if provider == "pipecat":
        from .ws_callers import pipecat_call

        return asyncio.run(pipecat_call(base))
    if provider == "twilio":
        from .ws_callers import twilio_call_result

        return asyncio.run(twilio_call_result(f"{base}/stream", store))
    if provider == "webrtc":
        from .webrtc_caller import webrtc_call

        return asyncio.run(webrtc_call(server.url(READY_S)))
    if provider == "livekit":
        from .livekit_caller import livekit_call

        return asyncio.run(livekit_call())
    if provider == "vocode":
        from .vocode_caller import vocode_call

        return vocode_call(f"{base}/conversation", store.parent)
    if provider == "vapi":
        from .vapi_caller import vapi_chat

        return asyncio.run(vapi_chat(server.url(READY_S)))
    raise SystemExit(f"unknown provider {provider!r}")


def run(provider: str, out: Path) -> CallResult:
    """Serve `provider` cold, call it once, stop it; the call's result (also saved in `out`)."""
    question(16000), question(8000)  # synthesized before the server starts, not while it loads
    port, store = free_port(), out / "sessions.db"
    config = write_config(provider, out, port=port, store=store)
    env = {"VOICEGRAPH_BACKEND__OPTIONS__TELEPHONY_PORT": str(free_port())} if provider == "vocode" else {}
    if provider == "vapi":
        from .vapi_caller import ENV

        env.update(ENV)
    server = ServeProcess(config, out, env=env).start()
    result = CallResult(provider)
    try:
        server.ready(READY_S)
        result = _call(provider, server, port, store)
    except (AssertionError, OSError, TimeoutError) as exc:
        result.notes["error"] = f"{type(exc).__name__}: {str(exc)[:3000]}"
    finally:
        server.stop()
        result.notes["exit_code"] = server.proc.returncode if server.proc else None
        result.notes["server"] = server.tail(30)
    result.save(out)
    return result


if __name__ == "__main__":
    run(sys.argv[1], Path(sys.argv[2]))
