"""Observability: OpenTelemetry spans, metrics and log correlation for a backend's sessions.

Off by default and free when off: nothing here is imported unless observability is
enabled (in the config, or by the standard `OTEL_*` environment variables), and a backend
without it attaches no probe. When on, `Observability` listens to the session layer and
attaches to each session's graph from outside (runtime link probes and the graph bus),
so no processor carries tracing code.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from voicegraph.backends.live_session import LiveSession, SessionListener
from voicegraph.backends.turn_tracker import STAGES
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.errors import missing_dependency

if TYPE_CHECKING:
    from collections.abc import Mapping

    from voicegraph.backends.config import ObservabilityConfig
    from voicegraph.backends.turn_tracker import Turn
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.node import Link

METRICS = (
    "backend_requests_total", "backend_errors_total", "backend_latency_seconds",
    "backend_sessions_active", "backend_sessions_total", "backend_throughput_bytes",
    "voicegraph_turn_latency_seconds", "voicegraph_turn_duration_seconds",
)  # fmt: skip
"""Every metric `Observability` records."""

_OTEL_VARS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER")


def enabled_by_env(env: Mapping[str, str]) -> bool:
    """Whether the standard OpenTelemetry variables ask for telemetry (and do not disable it)."""
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return any(env.get(k) and env.get(k) != "none" for k in _OTEL_VARS)


def _import_otel() -> Any:
    try:
        from opentelemetry import context, metrics, trace
    except ImportError:
        raise missing_dependency("otel", "opentelemetry-sdk") from None
    return context, metrics, trace


class Observability(SessionListener):
    """Spans per session, turn and stage; backend metrics; trace ids on log records.

    Spans: `voicegraph.session` (attributes: session id, resumed, turns), a child
    `voicegraph.turn` per turn (outcome and `latency_ms.<stage>` for each stage reached)
    and a child `voicegraph.stage.<stage>` per stage, from the turn's start to the stage
    (VAD stop, turn end, STT, agent request, agent first token, TTS first byte, first
    audio out). Metrics: see `METRICS`. Each session's task runs inside its session span,
    so log records from it carry `otelTraceID` / `otelSpanID` (see `install_log_correlation`).
    Costs one probe call per frame per observed link (input and output links only).

    Args:
        tracer_provider, meter_provider: OpenTelemetry providers (default: the global ones).
    """

    def __init__(self, *, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        _context, metrics, trace = _import_otel()
        self._context, self._trace = _context, trace
        self.tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer("voicegraph")
        meter = (meter_provider or metrics.get_meter_provider()).get_meter("voicegraph")
        self.requests = meter.create_counter("backend_requests_total", description="client requests")
        self.errors = meter.create_counter("backend_errors_total", description="refusals and node errors")
        self.latency = meter.create_histogram(
            "backend_latency_seconds", unit="s", description="request latency"
        )
        self.active = meter.create_up_down_counter("backend_sessions_active", description="running sessions")
        self.sessions = meter.create_counter("backend_sessions_total", description="sessions started")
        self.bytes = meter.create_counter("backend_throughput_bytes", unit="By", description="audio bytes")
        self.turn_latency = meter.create_histogram(
            "voicegraph_turn_latency_seconds", unit="s", description="turn start to each stage"
        )
        self.turn_duration = meter.create_histogram(
            "voicegraph_turn_duration_seconds", unit="s", description="turn start to its end"
        )
        self._spans: dict[str, tuple[Any, Any, Any]] = {}
        self._turns: dict[str, Any] = {}

    # -- requests -------------------------------------------------------------------------
    def request(self, operation: str, seconds: float, error: str | None) -> None:
        attrs = {"operation": operation, "outcome": error or "ok"}
        self.requests.add(1, attrs)
        self.latency.record(seconds, {"operation": operation})
        if error:
            self.errors.add(1, {"operation": operation, "code": error})

    # -- sessions -------------------------------------------------------------------------
    def session_started(self, live: LiveSession) -> None:
        attrs = {"voicegraph.session.id": live.id, "voicegraph.session.resumed": live.tracker.completed > 0}
        span = self.tracer.start_span("voicegraph.session", attributes=attrs)
        ctx = self._trace.set_span_in_context(span)
        token = self._context.attach(ctx)  # this task and the graph's tasks run inside the span
        self.sessions.add(1)
        self.active.add(1)
        rt = live.runtime
        unsubscribe = rt.bus.subscribe(lambda e: self._error(live, e), ErrorEvent)
        self._spans[live.id] = (span, ctx, (token, unsubscribe))
        heads = {n.name for n in rt.nodes.values() if not n.up}
        sinks = {n.name for n in rt.nodes.values() if not n.down}
        for link in rt.links:
            if link.src.name in heads:
                rt.observe(link.src.name, link.dst.name, self._counter("in"))
            if link.dst.name in sinks:
                rt.observe(link.src.name, link.dst.name, self._counter("out"))

    def _counter(self, direction: str) -> Any:
        attrs = {"direction": direction}
        add = self.bytes.add

        def probe(frame: Frame, _link: Link) -> None:
            data = getattr(frame, "data", None)
            if isinstance(data, bytes):
                add(len(data), attrs)

        return probe

    def _error(self, live: LiveSession, event: ErrorEvent) -> None:
        self.errors.add(1, {"operation": "graph", "code": str(event.error.code)})
        entry = self._spans.get(live.id)
        if entry is not None:
            entry[0].add_event("error", {"code": str(event.error.code), "node": event.node})

    def session_ended(self, live: LiveSession) -> None:
        self.active.add(-1)
        entry = self._spans.pop(live.id, None)
        if entry is None:
            return
        span, _ctx, (token, unsubscribe) = entry
        unsubscribe()
        span.set_attribute("voicegraph.session.turns", live.tracker.completed)
        span.end()
        try:
            self._context.detach(token)
        except Exception:  # detached in another context (the session task was cancelled)
            logging.getLogger("voicegraph.observability").debug("span context not detached")

    # -- turns ----------------------------------------------------------------------------
    def turn_started(self, live: LiveSession, turn: Turn) -> None:
        entry = self._spans.get(live.id)
        ctx = entry[1] if entry is not None else None
        start = _wall_ns(live, turn.start_ns)
        span = self.tracer.start_span(
            "voicegraph.turn", context=ctx, start_time=start, attributes={"voicegraph.turn.index": turn.index}
        )
        self._turns[live.id] = span

    def turn_ended(self, live: LiveSession, turn: Turn) -> None:
        span = self._turns.pop(live.id, None)
        if span is None:
            return
        ctx = self._trace.set_span_in_context(span)
        start = _wall_ns(live, turn.start_ns)
        for stage in STAGES:
            ms = turn.latency_ms(stage)
            if ms is None:
                continue
            span.set_attribute(f"voicegraph.turn.latency_ms.{stage}", ms)
            self.turn_latency.record(ms / 1000.0, {"stage": stage})
            stage_span = self.tracer.start_span(
                f"voicegraph.stage.{stage}", context=ctx, start_time=start,
                attributes={"voicegraph.stage": stage, "voicegraph.latency_ms": ms},
            )  # fmt: skip
            stage_span.end(end_time=start + int(ms * 1e6))
        span.set_attribute("voicegraph.turn.outcome", turn.outcome)
        self.turn_duration.record((turn.end_ns - turn.start_ns) / 1e9, {"outcome": turn.outcome})
        span.end(end_time=_wall_ns(live, turn.end_ns))


def _wall_ns(live: LiveSession, clock_ns: int) -> int:
    """A graph-clock time as wall-clock ns (what OpenTelemetry timestamps are)."""
    return time.time_ns() - (live.runtime.clock.now_ns() - clock_ns)


def install_log_correlation() -> None:
    """Make every log record carry `otelTraceID` and `otelSpanID` (hex; "0" outside spans)."""
    _, _, trace = _import_otel()
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_voicegraph_otel", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        ctx = trace.get_current_span().get_span_context()
        record.otelTraceID = format(ctx.trace_id, "032x") if ctx.is_valid else "0"
        record.otelSpanID = format(ctx.span_id, "016x") if ctx.is_valid else "0"
        return record

    factory._voicegraph_otel = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def from_config(config: ObservabilityConfig, env: Mapping[str, str]) -> Observability | None:
    """Set up the SDK (service name, exporter) and return the listener, or None when off.

    Raises:
        VoiceError: (missing_dependency) the `otel` extra is not installed.
    """
    if not (config.enabled or enabled_by_env(env)):
        return None
    from voicegraph.backends.otel_setup import setup_providers

    tracer_provider, meter_provider = setup_providers(config, env)
    install_log_correlation()
    return Observability(tracer_provider=tracer_provider, meter_provider=meter_provider)
