"""The `pipecat` backend provider: its example config, its options, its capabilities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.backends.server_process import serve_config
from tests.backends.test_serve_cold import EXAMPLES, run_serve
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers import provider
from voicegraph.backends.providers.pipecat import PipecatWebSocketTransport
from voicegraph.backends.providers.pipecat_smallwebrtc import PipecatSmallWebRTCTransport


def pipecat_config(tmp: Path, **options: Any) -> dict[str, Any]:
    config = serve_config(tmp, store_url="memory://")
    config["backend"] = {"provider": "pipecat", "options": {"host": "127.0.0.1", "port": 0, **options}}
    config["health"] = {"enabled": False}
    return config


def test_the_example_config_passes_check(tmp_path: Path) -> None:
    result = run_serve(EXAMPLES / "serve_voice_agent_pipecat.yaml", tmp_path, "--check")
    assert result.returncode == 0, result.stderr
    assert '"checked"' in result.stdout


@pytest.mark.parametrize(
    ("options", "key"), [({"transport": "daily"}, "transport"), ({"sample_rate": 12345}, "sample_rate")]
)
def test_a_bad_option_fails_serve_with_one_coded_line(
    tmp_path: Path, options: dict[str, Any], key: str
) -> None:
    result = run_serve(pipecat_config(tmp_path, **options), tmp_path)
    assert result.returncode != 0
    assert "invalid_config" in result.stderr and f"backend.options.{key}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.anyio
async def test_the_provider_makes_the_transport_its_options_ask_for(tmp_path: Path) -> None:
    pipecat = provider("pipecat")
    assert "opus" in pipecat.capabilities.codecs and "pcm_s16le" in pipecat.capabilities.codecs
    served = build_served(load_config(pipecat_config(tmp_path), env={}))
    await served.start()
    try:
        ws = served.backend.transport
        assert isinstance(ws, PipecatWebSocketTransport) and ws.output_format.rate == 24000
    finally:
        await served.stop(5)
    served = build_served(load_config(pipecat_config(tmp_path, transport="smallwebrtc"), env={}))
    await served.start()
    try:
        rtc = served.backend.transport
        assert isinstance(rtc, PipecatSmallWebRTCTransport) and rtc.offer_path == "/api/offer"
    finally:
        await served.stop(5)


@pytest.mark.anyio
async def test_the_auth_hook_sees_the_clients_token_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    from tests.backends.pipecat_ws_client import PB, PipecatWSClient

    monkeypatch.setenv("VG_PIPECAT_TOKENS", "good-token=alice")
    config = pipecat_config(tmp_path)
    config["hooks"] = {"auth": {"type": "token", "tokens_env": "VG_PIPECAT_TOKENS"}}
    served = build_served(load_config(config, env={}))
    await served.start()
    try:
        url = served.backend.transport.url
        async with connect(url) as ws:  # no token: one RTVI error, then close 4401
            frame = PB.Frame.FromString(await ws.recv())
            error = json.loads(frame.message.data)
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        client = await PipecatWSClient.open(f"{url}/?token=good-token")  # the JS client's `token` option
        await client.close()
    finally:
        await served.stop(5)
    assert error["type"] == "error" and error["data"]["error"].startswith("authentication_failed")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
