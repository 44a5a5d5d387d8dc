"""Pipecat's real JS client against `voicegraph serve` (provider `pipecat`): barge-in and reply figures.

Runs tests/serving/pipecat_scenario.py (headless Chromium, `@pipecat-ai/client-js` 1.13,
stock voice agent) `--runs` times per transport and prints one JSON object:

- `barge_in_ms`: server side, end of the last bot audio chunk sent minus the VAD's
  decision (graph clock; negative: the audio had stopped before the decision reached the
  output);
- `client_cut_ms`: page side, last received chunk above speech level after the
  `bot-interrupted` message arrived (before the bot speaks again), minus that arrival
  (WebSocket: audio as received; SmallWebRTC: as played, after the browser's jitter buffer);
- `ready_ms`: page load to `bot-ready` (the first RTVI message's page time);
- `reply_ms`: the question's `user-stopped-speaking` to the first `bot-started-speaking`.

    python -m benchmarks.pipecat_client                       # websocket, 1 run (~40 s)
    python -m benchmarks.pipecat_client --transports websocket,smallwebrtc --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from typing import Any

SPEECH_RMS = 0.02


def figures(call: dict[str, Any]) -> dict[str, Any]:
    """The figures of one scenario run (None where the run did not get that far)."""
    page = call.get("page") or {}
    msgs = [(e["t"], e["msg"]) for e in page.get("messages", []) if e.get("msg")]

    def first(kind: str, after: float = -1.0) -> float | None:
        return next((t for t, m in msgs if m.get("type") == kind and t > after), None)

    cut = first("bot-interrupted")
    resumed = first("bot-started-speaking", cut) if cut is not None else None
    end = resumed if resumed is not None else float("inf")
    late = [
        a["t"]
        for a in page.get("audio", [])
        if cut is not None and cut < a["t"] < end and a["rms"] > SPEECH_RMS
    ]
    stopped = first("user-stopped-speaking")
    spoke = first("bot-started-speaking", stopped or -1.0)
    return {
        "barge_in_ms": (call.get("barge_in_ms") or [None])[0],
        "client_cut_ms": round(max(late) - cut, 1) if cut is not None and late else 0.0 if cut else None,
        "ready_ms": round(msgs[0][0], 1) if msgs else None,
        "reply_ms": round(spoke - stopped, 1) if spoke is not None and stopped is not None else None,
        "failed": bool(call.get("timeout") or call.get("error")),
    }


def run(kind: str) -> dict[str, Any]:
    if kind == "websocket":
        from tests.serving.pipecat_scenario import main

        return main("websocket")
    from tests.transports.webrtc.netns import run_in_loopback_netns

    return run_in_loopback_netns("tests.serving.pipecat_scenario", "smallwebrtc", timeout=360)


def summary(values: list[float | None]) -> dict[str, float | None]:
    got = [v for v in values if v is not None]
    if not got:
        return {"median": None, "max": None}
    return {"median": round(statistics.median(got), 1), "max": round(max(got), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transports", default="websocket")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    out: dict[str, Any] = {"meta": {"runs": args.runs, "loadavg_start": os.getloadavg()[0]}}
    for kind in args.transports.split(","):
        runs = [figures(run(kind)) for _ in range(args.runs)]
        out[kind] = {
            key: summary([r[key] for r in runs])
            for key in ("barge_in_ms", "client_cut_ms", "ready_ms", "reply_ms")
        }
        out[kind]["failed_runs"] = sum(r["failed"] for r in runs)
    out["meta"]["loadavg_end"] = os.getloadavg()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
