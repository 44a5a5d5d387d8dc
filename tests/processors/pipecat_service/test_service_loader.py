"""Naming a Pipecat service by class path (YAML `type: pipecat_service`), and its coded errors."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.fakes.cartesia_server import FakeCartesia
from tests.processors.tts.tts_harness import audio
from voicegraph.backends.providers import register_builtin
from voicegraph.framework import Runtime
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import TextFrame
from voicegraph.framework.spec import build_graph
from voicegraph.processors.pipecat_service import PipecatService

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]
ROOT = Path(__file__).resolve().parents[3]
YAML = """
name: pipecat_tts
nodes:
  - id: tts
    type: pipecat_service
    params:
      service: pipecat.services.cartesia.tts.CartesiaTTSService
      args:
        api_key: sk_car_fake_test_key
        url: "URL"
        settings: {voice: 6ccbfb76-1fc6-48f7-b71d-91ac6298247b}
      sample_rate: 16000
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_a_class_path_naming_no_module_is_an_invalid_config_naming_it() -> None:
    with pytest.raises(VoiceError) as info:
        PipecatService(service="pipecat.services.nowhere.stt.NoSuchSTTService")
    assert info.value.code is ErrorCode.INVALID_CONFIG
    assert "pipecat.services.nowhere.stt.NoSuchSTTService" in info.value.message


def test_a_class_path_naming_no_class_is_an_invalid_config_naming_it() -> None:
    with pytest.raises(VoiceError) as info:
        PipecatService(service="pipecat.services.cartesia.tts.NoSuchTTSService")
    assert info.value.code is ErrorCode.INVALID_CONFIG
    assert "NoSuchTTSService" in info.value.message


def test_a_class_that_is_not_a_pipecat_processor_is_refused() -> None:
    with pytest.raises(VoiceError) as info:
        PipecatService(service="pipecat.audio.vad.silero.SileroVADAnalyzer")
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_arguments_the_service_refuses_are_an_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        PipecatService(service="pipecat.services.cartesia.tts.CartesiaTTSService", args={"no_such_arg": 1})
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_settings_the_service_refuses_are_an_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        PipecatService(
            service="pipecat.services.cartesia.tts.CartesiaTTSService",
            args={"api_key": "k", "settings": {"no_such_setting": 1}},
        )
    assert info.value.code is ErrorCode.INVALID_CONFIG and "no_such_setting" in info.value.message


def test_without_pipecat_installed_the_node_is_a_missing_dependency() -> None:
    code = textwrap.dedent("""
        import sys
        sys.modules["pipecat"] = None  # as if pipecat-ai were not installed
        from voicegraph.framework.errors import VoiceError
        from voicegraph.processors.pipecat_service import PipecatService
        try:
            PipecatService(service="pipecat.services.whisper.stt.WhisperSTTService")
        except VoiceError as exc:
            print(exc.code.value)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert done.stdout.strip() == "missing_dependency", done.stderr


async def test_the_yaml_one_liner_builds_a_graph_that_speaks() -> None:
    register_builtin()
    async with FakeCartesia() as fake:
        graph = build_graph(YAML.replace("URL", f"{fake.ws_url}/tts/websocket"))
        node = graph.processors["tts"]
        assert isinstance(node, PipecatService) and node.kind == "tts"
        async with Runtime(graph) as rt:
            out = rt.collect()
            await rt.push(TextFrame(text="Hello from YAML."))
            await rt.end()
    assert [w for f in audio(out) for w, _ in f.word_times_ms] == ["Hello", "from", "YAML."]
    assert {f.format.rate for f in audio(out)} == {16000}


def test_a_bad_class_path_in_yaml_fails_the_build_naming_node_and_path() -> None:
    register_builtin()
    bad = YAML.replace("CartesiaTTSService", "CartesiaTTSServiceX")
    with pytest.raises(VoiceError) as info:
        build_graph(bad)
    assert info.value.code is ErrorCode.INVALID_CONFIG
    assert any("tts" in d and "CartesiaTTSServiceX" in d for d in info.value.details)


@pytest.mark.parametrize("index", [0, 1])
def test_the_yaml_of_the_docs_page_builds(index: int) -> None:
    register_builtin()
    page = (ROOT / "docs" / "pipecat_services.md").read_text()
    specs = re.findall(r"^```yaml\n(.*?)^```$", page, re.M | re.S)
    assert len(specs) == 2
    graph = build_graph(specs[index])
    node = next(iter(graph.processors.values()))
    assert isinstance(node, PipecatService) and node.kind == ("tts", "vad")[index]
