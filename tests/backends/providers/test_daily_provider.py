"""The `daily` backend provider: Daily's REST API faked locally, daily-python's CallClient
stood in for (tests/fakes/daily_rest.py, tests/fakes/daily_call_client.py), real graphs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.fakes.daily_call_client import FakeDailyServer
from tests.fakes.daily_rest import FakeDailyRest
from tests.speech import synthesize, word_accuracy
from tests.transports.daily.agent_graphs import LONG_REPLY, SessionLog, probe_only, voice_agent, wait_for
from voicegraph.backends.backend import Backend
from voicegraph.backends.providers import BUILTIN, provider
from voicegraph.backends.providers.daily import DailyProvider, SessionDailyTransport
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.transports.daily.participant_tracks import track_name

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[3]
QUESTION = "What is the weather like tomorrow?"


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DAILY_API_KEY", "daily-test-key")
    return "daily-test-key"


async def test_a_spoken_conversation_through_the_daily_provider(api_key: str) -> None:
    logs: dict[str, SessionLog] = {}
    async with FakeDailyRest(api_key) as rest:
        server = FakeDailyServer(rest)
        room = await _rest_room(rest, "support")
        options = {"room_url": room, "api_url": rest.base_url, "sdk": server.sdk}
        async with Backend(
            DailyProvider(), voice_agent(logs, {"weather": LONG_REPLY}), options=options
        ) as backend:
            transport = backend.transport
            assert isinstance(transport, SessionDailyTransport)
            alice = server.room(room).add_user("alice")
            await wait_for(lambda: alice.id in transport.sessions, 5)
            spoken_end = alice.say(synthesize(QUESTION))
            track = server.room(room).track(track_name(alice.id))
            await wait_for(lambda: len(track.loud_times(spoken_end)) >= 100, 40)
            heard = WhisperEngine().transcribe(track.audio(spoken_end)).text
        (token,) = rest.tokens.values()
    assert word_accuracy(QUESTION, logs["alice"].turns[0]) >= 0.8
    assert "forecast" in heard.lower(), heard
    assert token["is_owner"] is True and token["room_name"] == "support" and token["exp"] > time.time()


async def test_create_room_makes_a_room_joins_it_and_deletes_it_at_stop(api_key: str) -> None:
    async with FakeDailyRest(api_key) as rest:
        server = FakeDailyServer(rest)
        options = {
            "create_room": "vg-demo",
            "api_url": rest.base_url,
            "sdk": server.sdk,
            "room_expiry_s": 600,
        }
        async with Backend(DailyProvider(), probe_only({}), options=options) as backend:
            assert backend.transport.describe()["state"] == "joined"
            assert 590 < rest.rooms["vg-demo"]["config"]["exp"] - time.time() <= 600
        assert "vg-demo" not in rest.rooms


async def test_a_refused_participant_is_told_why_and_gets_no_session(api_key: str) -> None:
    logs: dict[str, SessionLog] = {}
    async with FakeDailyRest(api_key) as rest:
        server = FakeDailyServer(rest)
        room = await _rest_room(rest, "small")
        options = {"room_url": room, "api_url": rest.base_url, "sdk": server.sdk}
        async with Backend(DailyProvider(), probe_only(logs), options=options, max_sessions=1):
            first = server.room(room).add_user("first")
            await wait_for(lambda: "first" in logs, 5)
            second = server.room(room).add_user("second")
            await wait_for(lambda: second.app_messages, 5)
    assert second.app_messages[0]["type"] == "error"
    assert second.app_messages[0]["code"] == ErrorCode.SESSION_LIMIT_EXCEEDED
    assert "second" not in logs and first.app_messages == []


async def test_a_bad_api_key_fails_at_start_with_authentication_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DAILY_API_KEY", "wrong")
    async with FakeDailyRest("right") as rest:
        options = {
            "room_url": "https://voicegraph.daily.co/x",
            "api_url": rest.base_url,
            "sdk": FakeDailyServer().sdk,
        }
        backend = Backend(DailyProvider(), probe_only({}), options=options)
        with pytest.raises(VoiceError) as err:
            await backend.start()
        await backend.stop()
    assert err.value.code is ErrorCode.AUTHENTICATION_FAILED


def test_a_missing_api_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAILY_BOT_KEY", raising=False)
    with pytest.raises(VoiceError) as err:
        Backend(
            DailyProvider(),
            probe_only({}),
            options={"room_url": "https://d.daily.co/r", "api_key_env": "DAILY_BOT_KEY"},
        )
    assert err.value.code is ErrorCode.INVALID_CONFIG and "DAILY_BOT_KEY" in err.value.message


@pytest.mark.parametrize(
    ("options", "field"),
    [({"room_url": "https://d.daily.co/r", "room_ulr": "x"}, "room_ulr"),
     ({"room_url": "https://d.daily.co/r", "mode": "per_user"}, "mode"),
     ({}, "room_url")],
)  # fmt: skip
def test_bad_options_are_invalid_config_naming_the_field(
    api_key: str, options: dict[str, str], field: str
) -> None:
    with pytest.raises(VoiceError) as err:
        DailyProvider().create(None, options)  # type: ignore[arg-type]
    assert err.value.code is ErrorCode.INVALID_CONFIG and field in err.value.message


def test_without_daily_python_the_provider_fails_with_missing_dependency() -> None:
    script = (
        "import sys, os; sys.modules['daily'] = None; os.environ['DAILY_API_KEY'] = 'k'\n"
        "from voicegraph.backends.providers.daily import DailyProvider\n"
        "from voicegraph.framework.errors import VoiceError\n"
        "try:\n    DailyProvider().create(None, {'room_url': 'https://d.daily.co/r'})\n"
        "except VoiceError as e:\n    print(e.code, 'daily-python' in e.message)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.split() == ["missing_dependency", "True"]


def test_daily_is_a_builtin_provider_with_capabilities() -> None:
    assert "daily" in BUILTIN
    caps = provider("daily").capabilities
    assert caps.multi_user and caps.speech_to_speech and not caps.persistence


async def _rest_room(rest: FakeDailyRest, name: str) -> str:
    from voicegraph.transports.daily import DailyRestClient

    async with DailyRestClient(rest.api_key, base_url=rest.base_url) as client:
        return (await client.create_room(name)).url


@pytest.mark.parametrize("key", ["set", "unset"])
def test_the_example_config_passes_check_only_with_an_api_key(tmp_path: Path, key: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DAILY_API_KEY"} | {"PYTHONPATH": str(ROOT)}
    if key == "set":
        env["DAILY_API_KEY"] = "k"
    example = ROOT / "voicegraph/backends/serve_voice_agent_daily.yaml"
    cmd = [sys.executable, "-m", "voicegraph.cli", "serve", str(example), "--check"]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    if key == "set":
        assert result.returncode == 0 and '"checked"' in result.stdout, result.stderr
    else:
        assert (
            result.returncode != 0
            and "[invalid_config]" in result.stderr
            and "DAILY_API_KEY" in result.stderr
        )


def test_the_docs_yaml_block_is_a_valid_daily_backend(api_key: str) -> None:
    page = (ROOT / "docs/providers/daily.md").read_text()
    block = yaml.safe_load(page.split("```yaml\n", 1)[1].split("```", 1)[0])
    assert block["backend"]["provider"] == "daily"
    transport = DailyProvider().create(None, block["backend"]["options"])  # type: ignore[arg-type]
    assert transport.options.room_url == "https://your-domain.daily.co/support"
    assert transport.options.mode == "per_participant"


async def test_a_failed_join_deletes_the_room_it_created(api_key: str) -> None:
    async with FakeDailyRest(api_key) as rest:
        server = FakeDailyServer(rest)
        server.join_errors.append("meeting token not allowed to join")
        options = {"create_room": "doomed", "api_url": rest.base_url, "sdk": server.sdk}
        backend = Backend(DailyProvider(), probe_only({}), options=options)
        with pytest.raises(VoiceError) as err:
            await backend.start()
        assert err.value.code is ErrorCode.AUTHENTICATION_FAILED
        assert "doomed" not in rest.rooms and [r.method for r in rest.requests][-1] == "DELETE"
