"""WebRTC and SmallWebRTC entrances of served configs with token auth: every way in is checked,
responses carry sane headers, and oversize requests get coded refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backends.server_process import ServerProcess, serve_config
from tests.transports.webrtc.sdp_samples import AUDIO_OFFER

pytestmark = [pytest.mark.anyio]

TOKEN = "webrtc-token-7a8b9c0d1e2f"
ENV = {"VG_TEST_TOKENS": f"{TOKEN}=alice"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _served(tmp: Path, backend: dict[str, Any]) -> ServerProcess:
    config = serve_config(tmp, hooks={"auth": {"type": "token", "tokens_env": "VG_TEST_TOKENS"}})
    config["backend"] = backend
    return ServerProcess(config, tmp, env=ENV)


def _code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


async def test_webrtc_page_config_and_offer_refuse_a_client_without_the_token(tmp_path: Path) -> None:
    server = _served(tmp_path, {"provider": "webrtc", "options": {"host": "127.0.0.1", "port": 0}})
    try:
        base = server.ready()["transport"]["url"].rstrip("/")
        offer = json.dumps({"type": "offer", "sdp": AUDIO_OFFER})
        async with httpx.AsyncClient(base_url=base) as http:
            refused = [
                await http.get("/"),
                await http.get("/config"),
                await http.get("/config?token=wrong-token-000"),
                await http.post("/offer", content=offer, headers={"Content-Type": "application/json"}),
            ]
            page = await http.get(f"/?token={TOKEN}")
            config = await http.get("/config", headers=BEARER)
            script = await http.get("/client.js")
            health = await http.get("/health")
        for response in refused:
            assert response.status_code == 401, response.text
            assert _code(response) == "authentication_failed"
        assert page.status_code == 200 and config.status_code == 200
        assert script.status_code == 200 and health.status_code == 200  # public code; health is open
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()


async def test_webrtc_responses_carry_security_headers_and_no_wildcard_cors(tmp_path: Path) -> None:
    server = _served(tmp_path, {"provider": "webrtc", "options": {"host": "127.0.0.1", "port": 0}})
    try:
        base = server.ready()["transport"]["url"].rstrip("/")
        origin = {"Origin": "https://evil.example"}
        async with httpx.AsyncClient(base_url=base) as http:
            page = await http.get(f"/?token={TOKEN}", headers=origin)
            others = [await http.get("/config", headers={**BEARER, **origin}), await http.get("/nope")]
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        for response in (page, *others):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert "access-control-allow-origin" not in response.headers
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()


async def test_webrtc_oversize_body_and_sdp_get_coded_refusals(tmp_path: Path) -> None:
    server = _served(tmp_path, {"provider": "webrtc", "options": {"host": "127.0.0.1", "port": 0}})
    try:
        base = server.ready()["transport"]["url"].rstrip("/")
        json_type = {**BEARER, "Content-Type": "application/json"}
        huge_sdp = json.dumps({"type": "offer", "sdp": AUDIO_OFFER + "a=x-pad:" + "p" * 40_000 + "\r\n"})
        async with httpx.AsyncClient(base_url=base) as http:
            body = await http.post("/offer", content=b"{" + b" " * 70_000 + b"}", headers=json_type)
            sdp = await http.post("/offer", content=huge_sdp, headers=json_type)
            header = await http.get("/config", headers={**BEARER, "X-Pad": "h" * 9000})
        assert body.status_code == 413 and _code(body) == "invalid_input"
        assert sdp.status_code == 400 and _code(sdp) == "invalid_input"
        assert header.status_code == 431 and _code(header) == "protocol_error"
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()


async def test_smallwebrtc_ice_patch_needs_the_token_before_any_pc_id_lookup(tmp_path: Path) -> None:
    backend = {"provider": "pipecat", "options": {"transport": "smallwebrtc", "host": "127.0.0.1", "port": 0}}
    server = _served(tmp_path, backend)
    try:
        url = server.ready()["transport"]["url"]
        patch = json.dumps({"pc_id": "no-such-peer", "candidates": []})
        json_type = {"Content-Type": "application/json"}
        async with httpx.AsyncClient() as http:
            anonymous = await http.patch(url, content=patch, headers=json_type)
            known = await http.patch(url, content=patch, headers={**json_type, **BEARER})
        assert anonymous.status_code == 401 and _code(anonymous) == "authentication_failed"
        assert known.status_code == 404 and _code(known) == "session_not_found"
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()
