"""OpenTelemetry SDK set-up for `voicegraph serve`: resource, exporters, providers."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    from collections.abc import Mapping

    from voicegraph.backends.config import ObservabilityConfig


def _exporters(kind: str) -> tuple[Any, Any]:
    if kind == "console":
        from opentelemetry.sdk.metrics.export import ConsoleMetricExporter
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(), ConsoleMetricExporter()
    if kind == "otlp":
        base = "opentelemetry.exporter.otlp.proto.http"  # optional package: imported by name
        try:
            spans = importlib.import_module(f"{base}.trace_exporter").OTLPSpanExporter
            metrics = importlib.import_module(f"{base}.metric_exporter").OTLPMetricExporter
        except ImportError:
            raise missing_dependency("otel", "opentelemetry-exporter-otlp-proto-http") from None
        return spans(), metrics()
    if kind == "none":
        return None, None
    raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown OpenTelemetry exporter {kind!r}")


def setup_providers(config: ObservabilityConfig, env: Mapping[str, str]) -> tuple[Any, Any]:
    """A tracer provider and a meter provider with the configured (or OTEL_*) exporters.

    `OTEL_SERVICE_NAME` and `OTEL_TRACES_EXPORTER` override the config; the OTLP
    exporter reads its endpoint and headers from the standard variables itself.

    Raises:
        VoiceError: (missing_dependency) the SDK or the chosen exporter is not installed.
    """
    try:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise missing_dependency("otel", "opentelemetry-sdk") from None
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or config.service_name})
    kind = env.get("OTEL_TRACES_EXPORTER") or config.exporter
    span_exporter, metric_exporter = _exporters(kind.split(",")[0].strip())
    tracer_provider = TracerProvider(resource=resource)
    if span_exporter is not None:
        tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    readers = [PeriodicExportingMetricReader(metric_exporter)] if metric_exporter is not None else []
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    return tracer_provider, meter_provider
