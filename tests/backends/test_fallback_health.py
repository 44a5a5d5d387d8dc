"""`/health` shows the fallback chains' engines: failed while the fake refuses, healthy after."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.cartesia_server import FakeCartesia
from tests.processors.fallback.waiting import until
from voicegraph.backends.fallback_health import fallback_chains
from voicegraph.backends.health_server import HealthServer
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import SentenceFrame
from voicegraph.processors.fallback import FallbackTTS
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS
from voicegraph.processors.tts.espeak_tts import EspeakTTS

from .support import memory_backend

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_health_shows_a_failed_engine_then_its_recovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_fake_test_key")
    async with FakeCartesia() as fake, memory_backend() as backend:
        backend.health_checks.append(fallback_chains)
        server = HealthServer(backend.health)
        await server.start()
        fake.faults.refuse_status = 503
        engines = [CartesiaTTS(base_url=fake.ws_url, sample_rate=22050), EspeakTTS()]
        tts = FallbackTTS(engines=engines, name="tts", probe_interval_s=0.2, max_probe_interval_s=0.4)
        try:
            async with httpx.AsyncClient() as http:
                async with Runtime(Graph.chain(tts)) as rt:
                    await rt.push(SentenceFrame(text="Hello."))
                    failed = (await http.get(server.url)).json()
                    fake.faults.refuse_status = None
                    await until(lambda: tts.chain.health[0].state == "healthy", what="recovery")
                    healthy = (await http.get(server.url)).json()
                after = (await http.get(server.url)).json()
        finally:
            await server.stop()
    assert failed["status"] == "degraded"
    chain = next(c for c in failed["components"]["fallback"]["chains"].values() if c["chain"] == "tts")
    assert chain["active"] == "tts.1:EspeakTTS" and chain["switches"] == 1
    cartesia = chain["engines"][0]
    assert cartesia["state"] in ("failed", "probing") and cartesia["last_error"] == "connection_failed"
    assert healthy["status"] == "healthy" and healthy["components"]["fallback"]["status"] == "healthy"
    assert after["components"]["fallback"]["chains"] == {}  # the graph stopped: its chain is gone
