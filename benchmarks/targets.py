"""The issue's targets for voicegraph, checked against one benchmark run's figures."""

from __future__ import annotations

from typing import Any

PC = "voicegraph/pipecat"


def _target(name: str, goal: str, value: object, met: bool | None, **context: object) -> dict[str, object]:
    return {"figure": name, "target": goal, "value": value, "met": met, **context}


def _hop_targets(results: dict[str, Any]) -> list[dict[str, object]]:
    out = []
    latency = results.get("latency", {})
    for key, row in latency.get("chains", {}).items():
        ratios = row.get("ratio", {}).get(PC, {})
        for stat in ("p50", "p99"):
            r = ratios.get(stat)
            out.append(
                _target(
                    f"per-hop latency {stat} {key}", "<= 0.2 x pipecat", r, None if r is None else r <= 0.2
                )
            )
    for key, row in latency.get("marginal_per_hop_p50_us", {}).items():
        r = row.get("ratio", {}).get(PC, {}).get("p50")
        out.append(
            _target(
                f"marginal per-hop latency p50 {key}", "<= 0.2 x pipecat", r, None if r is None else r <= 0.2
            )
        )
    for key, row in results.get("throughput", {}).items():
        r = row.get("ratio", {}).get(PC, {}).get("cpu_per_frame_hop_us")
        out.append(
            _target(
                f"cpu_per_frame_hop_us throughput {key}",
                "<= 0.2 x pipecat",
                r,
                None if r is None else r <= 0.2,
            )
        )
    for key, row in results.get("realtime", {}).items():
        for stat in ("cpu_per_frame_hop_us", "cpu_per_frame_hop_net_us"):
            r = row.get("ratio", {}).get(PC, {}).get(stat)
            out.append(
                _target(f"{stat} realtime {key}", "<= 0.2 x pipecat", r, None if r is None else r <= 0.2)
            )
    return out


def _scale_targets(results: dict[str, Any]) -> list[dict[str, object]]:
    out = []
    rt200 = results.get("realtime", {}).get("k=200", {}).get("voicegraph")
    if rt200 is not None:
        p99 = rt200.get("lateness_p99_ms")
        out.append(
            _target("p99 lateness, 200 real-time graphs (ms)", "< 5", p99, p99 is not None and p99 < 5)
        )
    for key, row in results.get("idle", {}).items():
        kb = row.get("voicegraph", {}).get("rss_per_graph_kb")
        out.append(_target(f"RSS per idle graph {key} (KB)", "< 100", kb, kb is not None and kb < 100))
    return out


def _interruption_targets(results: dict[str, Any]) -> list[dict[str, object]]:
    out = []
    for key, row in results.get("interruption", {}).items():
        for variant, fig in row.items():
            if not variant.startswith("voicegraph") or "latency" not in fig:
                continue
            worst = fig["latency"]["max_us"]
            out.append(
                _target(
                    f"interruption {key} {variant} max (us)", "< 1000", worst, worst < 1000,
                    p50_us=fig["latency"]["p50_us"],
                )
            )  # fmt: skip
            stale = fig["stale_after_request_total"]
            out.append(_target(f"stale frames {key} {variant}", "== 0", stale, stale == 0))
    return out


def check_targets(results: dict[str, Any]) -> list[dict[str, object]]:
    """Every target the issue sets, with the measured value and whether it is met."""
    return _hop_targets(results) + _scale_targets(results) + _interruption_targets(results)
