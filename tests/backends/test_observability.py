"""OpenTelemetry: spans per session, turn and stage; every backend metric; trace ids on logs;
nothing imported and nothing attached when off."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from voicegraph.backends.observability import METRICS, Observability, install_log_correlation
from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.framework.errors import VoiceError
from voicegraph.framework.frames import TranscriptFrame
from voicegraph.processors.agent.echo_agent import EchoAgent

from .server_process import ROOT
from .support import memory_backend, read_reply

pytestmark = pytest.mark.anyio
log = logging.getLogger("tests.backends.otel")


class LoggingTap(Processor):
    """Logs each transcript it passes (to check log records carry the session's trace)."""

    @handles
    async def on_text(self, frame: TranscriptFrame, out: Outbox) -> None:
        log.warning("heard %s", frame.text)
        await out.send(frame)


def tapped_graph(conn: Any) -> Graph:
    return Graph.chain(conn.input(), LoggingTap(), EchoAgent(), conn.output())


@pytest.fixture
def telemetry() -> tuple[Observability, InMemorySpanExporter, InMemoryMetricReader]:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    obs = Observability(
        tracer_provider=tracer_provider, meter_provider=MeterProvider(metric_readers=[reader])
    )
    return obs, spans, reader


async def _one_call(obs: Observability, turns: int = 2) -> str:
    async with memory_backend(tapped_graph, listeners=[obs], max_sessions=1) as backend:
        client = await backend.transport.connect()
        await client.send_audio(b"\x00\x00" * 320)
        for i in range(turns):
            await client.send_frame(TranscriptFrame(text=f"turn number {i}"))
            await read_reply(client)
        with pytest.raises(VoiceError):
            await backend.transport.connect()
        await client.end()
        await client.wait_finished()
        async with asyncio.timeout(5):
            await backend.manager.wait_ended()
        return client.session_id


async def test_a_call_has_a_session_span_with_turn_and_stage_spans(telemetry: Any) -> None:
    obs, spans, _ = telemetry
    sid = await _one_call(obs)
    finished = spans.get_finished_spans()
    session = [s for s in finished if s.name == "voicegraph.session"]
    turns = [s for s in finished if s.name == "voicegraph.turn"]
    stages = [s for s in finished if s.name.startswith("voicegraph.stage.")]
    assert len(session) == 1 and session[0].attributes["voicegraph.session.id"] == sid
    assert session[0].attributes["voicegraph.session.turns"] == 2
    assert len(turns) == 2
    assert all(t.parent is not None and t.parent.span_id == session[0].context.span_id for t in turns)
    assert {s.name for s in stages} >= {"voicegraph.stage.stt", "voicegraph.stage.agent_first_token"}
    assert all(
        s.parent is not None and s.parent.span_id in {t.context.span_id for t in turns} for s in stages
    )
    first = turns[0].attributes
    assert first["voicegraph.turn.outcome"] == "answered"
    assert first["voicegraph.turn.latency_ms.agent_first_token"] >= 0.0


async def test_every_backend_metric_is_recorded(telemetry: Any) -> None:
    obs, _, reader = telemetry
    await _one_call(obs)
    data = reader.get_metrics_data()
    points: dict[str, list[Any]] = {}
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                points[m.name] = list(m.data.data_points)
    assert set(METRICS) <= set(points)
    refused = [
        p for p in points["backend_errors_total"] if p.attributes.get("code") == "session_limit_exceeded"
    ]
    assert refused and refused[0].value == 1
    assert sum(p.value for p in points["backend_sessions_total"]) == 1
    assert sum(p.value for p in points["backend_sessions_active"]) == 0
    inbound = [p for p in points["backend_throughput_bytes"] if p.attributes["direction"] == "in"]
    assert inbound and inbound[0].value == 640
    stages = {p.attributes["stage"] for p in points["voicegraph_turn_latency_seconds"]}
    assert "agent_first_token" in stages


async def test_log_records_in_a_session_carry_its_trace_and_span_ids(
    telemetry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    obs, spans, _ = telemetry
    install_log_correlation()
    with caplog.at_level(logging.WARNING, logger="tests.backends.otel"):
        await _one_call(obs, turns=1)
    session = next(s for s in spans.get_finished_spans() if s.name == "voicegraph.session")
    heard = [r for r in caplog.records if r.getMessage().startswith("heard")]
    assert heard
    assert heard[0].otelTraceID == format(session.context.trace_id, "032x")  # type: ignore[attr-defined]
    assert heard[0].otelSpanID == format(session.context.span_id, "016x")  # type: ignore[attr-defined]


def test_without_observability_opentelemetry_is_never_imported() -> None:
    code = (
        "import asyncio, sys\n"
        "from tests.backends.support import memory_backend\n"
        "from voicegraph.framework.frames import TranscriptFrame\n"
        "from tests.backends.support import read_reply\n"
        "async def main():\n"
        "    async with memory_backend() as b:\n"
        "        c = await b.transport.connect()\n"
        "        await c.send_frame(TranscriptFrame(text='hi'))\n"
        "        await read_reply(c)\n"
        "        links = b.manager.live[c.session_id].runtime.links\n"
        "        assert all(len(link.probes) == 1 for link in links)\n"
        "        await c.end()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_standard_otel_variables_switch_telemetry_on_and_off() -> None:
    from voicegraph.backends.config import ObservabilityConfig
    from voicegraph.backends.observability import from_config

    off = ObservabilityConfig()
    assert from_config(off, {}) is None
    assert from_config(off, {"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}) is None
    on = from_config(
        off, {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}
    )
    assert isinstance(on, Observability)
    assert isinstance(from_config(ObservabilityConfig(enabled=True, exporter="none"), {}), Observability)
