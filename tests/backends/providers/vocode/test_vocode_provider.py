"""The `vocode` provider: its shipped config, its routes, and coded errors for bad options
(real servers on 127.0.0.1, no vocode package needed)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
import websockets
import yaml
from websockets.exceptions import ConnectionClosedError

from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers import create_backend, provider, register_builtin
from voicegraph.framework import Graph
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.echo_agent import EchoAgent

from .vocode_env import run_client

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]
EXAMPLE = Path(__file__).resolve().parents[4] / "voicegraph/backends/serve_vocode.yaml"
PORTS = {
    "VOICEGRAPH_BACKEND__OPTIONS__PORT": "0",
    "VOICEGRAPH_BACKEND__OPTIONS__TELEPHONY_PORT": "0",
    "VOICEGRAPH_HEALTH__PORT": "0",
    "VOICEGRAPH_ENGINES__PRELOAD": "false",
    "VOICEGRAPH_PERSISTENCE__URL": "memory://",
}


@pytest.fixture(autouse=True)
def _builtin_providers() -> None:
    # the venv's entry points predate this provider (installed from main's pyproject)
    register_builtin()


def echo_graph(conn: object) -> Graph:
    return Graph.chain(conn.input(), EchoAgent(), conn.output())  # type: ignore[attr-defined]


def test_vocode_is_listed_with_its_codecs() -> None:
    caps = provider("vocode").capabilities
    assert caps.speech_to_speech and caps.multi_user and "wav" in caps.codecs and "mulaw" in caps.codecs


def test_the_shipped_vocode_config_loads() -> None:
    config = load_config(EXAMPLE, env={})
    assert config.backend.provider == "vocode"
    assert config.backend.options["telephony_port"] == 8767


async def test_the_shipped_config_answers_the_inbound_call_webhook_with_its_public_url() -> None:
    served = build_served(load_config(EXAMPLE, env=PORTS), env={})
    await served.start()
    try:
        port = served.backend.transport.describe()["telephony_port"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            answer = await http.post("/inbound_call", data={"CallSid": "CA1", "From": "+1555", "To": "+1666"})
            events = await http.post("/events")
    finally:
        await served.stop(5)
    ours = ET.fromstring(answer.text)
    stream = ours.find("./Connect/Stream")
    assert stream is not None and answer.headers["content-type"].startswith("text/xml")
    assert stream.get("url", "").startswith("wss://voice.example.com/connect_call/")
    assert events.status_code == 200
    # the same document as vocode's own TelephonyServer answers, plus the call's parameters
    call_id = stream.get("url", "").rsplit("/", 1)[1]
    theirs = ET.fromstring(run_client("connection_twiml.py", "voice.example.com", call_id)["twiml"])
    assert {p.get("name") for p in stream.findall("Parameter")} == {
        "call_sid",
        "from",
        "to",
        "conversation_id",
    }
    for extra in stream.findall("Parameter"):
        stream.remove(extra)
    canonical = [ET.canonicalize(ET.tostring(tree), strip_text=True) for tree in (ours, theirs)]
    assert canonical[0] == canonical[1]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"telephony_port": "8767"}, "telephony_port"),
        ({"agent_path": "agent"}, "agent_path"),
        ({"connect_call_path": "/connect_call"}, "connect_call_path"),
        ({"account_sid": "AC123"}, "auth_token"),
    ],
)
def test_a_bad_option_is_a_coded_error_naming_it(options: dict[str, object], field: str) -> None:
    with pytest.raises(VoiceError) as info:
        create_backend("vocode", echo_graph, options=options)
    assert info.value.code == ErrorCode.INVALID_CONFIG
    assert f"backend.options.{field}" in info.value.message  # the brief: errors name the field


def test_half_the_twilio_credentials_from_the_environment_is_a_coded_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    with pytest.raises(VoiceError) as info:
        create_backend("vocode", echo_graph, options={})
    assert info.value.code == ErrorCode.INVALID_CONFIG and "account_sid" in info.value.message


async def test_an_unknown_path_is_closed_with_a_protocol_error() -> None:
    backend = create_backend("vocode", echo_graph, options={"port": 0})
    async with backend:
        async with websockets.connect(backend.transport.url + "/nowhere") as ws:
            error = json.loads(await ws.recv())
            with pytest.raises(ConnectionClosedError) as info:
                await ws.recv()
    assert error["code"] == "protocol_error"
    assert info.value.rcvd is not None and info.value.rcvd.code == 4400


async def test_a_hosted_vocode_start_message_is_refused_with_a_code() -> None:
    backend = create_backend("vocode", echo_graph, options={"port": 0})
    async with backend:
        async with websockets.connect(backend.transport.url + "/conversation") as ws:
            await ws.send(json.dumps({"type": "websocket_start", "transcriber_config": {}}))
            error = json.loads(await ws.recv())
            with pytest.raises(ConnectionClosedError):
                await ws.recv()
    assert error == {"type": "websocket_error", "code": "protocol_error", "message": error["message"]}


def test_the_yaml_config_of_the_docs_page_loads() -> None:
    page = (EXAMPLE.parents[2] / "docs/providers/vocode.md").read_text()
    blocks = [b.split("```", 1)[0] for b in page.split("```yaml\n")[1:]]
    assert blocks
    for block in blocks:
        assert load_config(yaml.safe_load(block), env={}).backend.provider == "vocode"
