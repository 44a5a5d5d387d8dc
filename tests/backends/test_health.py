"""Health: healthy / degraded / unhealthy with details per component, and GET /health."""

from __future__ import annotations

import httpx
import pytest

from voicegraph.backends.health_server import HealthServer
from voicegraph.backends.stores.store_factory import create_store
from voicegraph.transports.health_report import HealthStatus

from .support import memory_backend

pytestmark = pytest.mark.anyio


async def test_an_idle_backend_is_healthy_with_details_per_component() -> None:
    async with memory_backend(max_sessions=4) as backend:
        report = (await backend.health()).as_dict()
    assert report["status"] == "healthy"
    assert set(report["components"]) == {"transport", "sessions", "store", "event_loop"}
    assert report["components"]["sessions"]["max_sessions"] == 4
    assert report["components"]["store"]["kind"] == "memory"


async def test_a_backend_at_capacity_is_degraded() -> None:
    async with memory_backend(max_sessions=2) as backend:
        clients = [await backend.transport.connect() for _ in range(2)]
        report = await backend.health()
        assert report.status is HealthStatus.DEGRADED
        sessions = report.as_dict()["components"]["sessions"]
        assert sessions["active"] + sessions["admitting"] == 2
        for c in clients:
            await c.end()


async def test_an_unreachable_store_degrades_the_backend() -> None:
    backend = memory_backend()
    await backend.start()
    backend.manager.store = create_store("redis://127.0.0.1:1/0")
    report = (await backend.health()).as_dict()
    await backend.manager.store.close()
    await backend.stop()
    assert report["status"] == "degraded"
    assert report["components"]["store"] == {
        "status": "unhealthy",
        "kind": "redis",
        "error": "connection_failed",
    }


async def test_a_stopping_backend_is_unhealthy() -> None:
    backend = memory_backend()
    await backend.start()
    await backend.stop()
    assert (await backend.health()).status is HealthStatus.UNHEALTHY


async def test_the_http_endpoint_serves_the_report() -> None:
    async with memory_backend() as backend:
        server = HealthServer(backend.health)
        await server.start()
        try:
            async with httpx.AsyncClient() as http:
                ok = await http.get(server.url)
                missing = await http.get(server.url.replace("/health", "/nope"))
                wrong = await http.post(server.url)
        finally:
            await server.stop()
    assert ok.status_code == 200 and ok.json()["status"] == "healthy"
    assert ok.headers["content-type"] == "application/json"
    assert (missing.status_code, wrong.status_code) == (404, 405)


async def test_with_a_token_the_endpoint_refuses_requests_without_it() -> None:
    async with memory_backend() as backend:
        server = HealthServer(backend.health, token="h-secret")
        await server.start()
        try:
            async with httpx.AsyncClient() as http:
                bare = await http.get(server.url)
                wrong = await http.get(server.url, headers={"Authorization": "Bearer nope"})
                header = await http.get(server.url, headers={"Authorization": "Bearer h-secret"})
                param = await http.get(server.url, params={"token": "h-secret"})
        finally:
            await server.stop()
    assert (bare.status_code, wrong.status_code) == (401, 401)
    assert bare.json()["error"] == "authentication_failed"
    assert header.status_code == 200 and param.status_code == 200


def test_a_health_token_variable_that_is_not_set_is_a_config_error() -> None:
    from voicegraph.backends.config import load_config
    from voicegraph.backends.from_config import build_served
    from voicegraph.framework.errors import ErrorCode, VoiceError

    from .support import ECHO_SPEC

    config = load_config({"graph": ECHO_SPEC, "health": {"token_env": "VG_HEALTH_TOKEN"}}, env={})
    with pytest.raises(VoiceError) as err:
        build_served(config, env={})
    assert err.value.code is ErrorCode.INVALID_CONFIG and "VG_HEALTH_TOKEN" in err.value.message
    served = build_served(config, env={"VG_HEALTH_TOKEN": "x"})
    assert served.health is not None
