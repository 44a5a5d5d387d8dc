"""Every program in examples/ runs in its smoke mode and prints what it promises.

Each example runs as a newcomer would run it (a subprocess from the repository root,
warnings as errors), on real engines and real servers on loopback: WebSocket, Twilio
and WebRTC servers started by the example itself, the LiveKit agent against the real
livekit-server of tests/conftest_livekit.py (in its network namespace). The speech-to-
speech example talks to the fake OpenAI Realtime server of tests/fakes (no key here).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.livekit_server import LiveKitServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.timeout(180)


def run_example(
    name: str,
    *args: str,
    env: dict[str, str] | None = None,
    wrap: list[str] | None = None,
    strict: bool = True,
) -> str:
    """Run examples/`name` with `args`; its stdout (the test fails with its stderr on exit != 0)."""
    warnings = ["-W", "error"] if strict else []
    command = [sys.executable, *warnings, str(EXAMPLES / name), *args]
    done = subprocess.run(
        (wrap or []) + command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def line(output: str, prefix: str) -> str:
    """The first line of `output` starting with `prefix` (the test fails if there is none)."""
    found = [x for x in output.splitlines() if x.startswith(prefix)]
    assert found, f"no line starting with {prefix!r} in:\n{output}"
    return found[0]


def test_every_example_has_a_docstring_saying_how_to_run_it() -> None:
    programs = sorted(EXAMPLES.glob("*.py"))
    assert len(programs) >= 12
    for program in programs:
        head = program.read_text().split('"""')[1]
        assert "Run" in head or "run" in head, program.name
        assert 30 <= len(program.read_text().splitlines()) <= 150, program.name


def test_custom_node_masks_digits_passes_other_text_and_reports_on_drain() -> None:
    out = run_example("custom_node.py", "--smoke").splitlines()
    assert out == [
        "TranscriptFrame: my card is #### ####",
        "TextFrame: bot text 42 passes through",
        "TranscriptFrame: and the code is ###",
        "TextFrame: [masked 11 digits]",
    ]


def test_yaml_graph_runs_the_spec_with_a_registered_node_and_names_a_bad_param() -> None:
    out = run_example("yaml_graph.py", "--smoke").splitlines()
    assert out[:4] == ["HELLO!!", "HOW CAN I HELP!!", "IT IS SUNNY TODAY!!", "TAKE A HAT!!"]
    assert out[4].startswith("[invalid_config] nodes[0] (id=shout, type=shout): params.sufix")


@pytest.mark.slow
def test_offline_agent_hears_the_question_and_answers_with_the_stock_engines() -> None:
    out = run_example("offline_agent.py", "--smoke")
    assert "capital of france" in line(out, "you said: ").lower()
    assert len(line(out, "reply: ")) > len("reply: ")  # the small local model's words: not checked


def test_websocket_client_gets_its_transcript_and_the_scripted_reply() -> None:
    out = run_example("websocket_server.py", "--smoke")
    assert "capital of france" in line(out, "transcript: ").lower()
    assert line(out, "reply: ") == "reply: The capital of France is Paris."


def test_twilio_call_gets_twiml_bot_audio_and_a_filed_conversation() -> None:
    out = run_example("twilio_server.py", "--smoke")
    assert line(out, "twiml has") == "twiml has <Stream>: True"
    assert float(re.findall(r"[\d.]+", line(out, "bot audio: "))[0]) > 0.5
    assert "capital of france" in line(out, "user: ").lower()
    assert line(out, "assistant: ") == "assistant: The capital of France is Paris."


def test_browser_page_is_served_and_an_offer_gets_an_answer() -> None:
    out = run_example("browser_talk.py", "--smoke")
    assert re.fullmatch(r"open http://127\.0\.0\.1:\d+/ and talk", line(out, "open "))
    assert line(out, "page loads") == "page loads client.js: True"
    assert line(out, "answer: ") == "answer: type=answer audio=True datachannel=True session=True"


def test_calendar_tools_book_a_slot_and_transfer_the_call() -> None:
    out = run_example("calendar_tools.py", "--smoke")
    assert line(out, "book_meeting parameters") == "book_meeting parameters: ['day', 'time']"
    assert "bot: Done: booked tuesday 10:00." in out.splitlines()
    assert line(out, "transfer to ") == "transfer to sip:sales@example.com (caller asked for a person)"


def test_rag_finds_the_passage_of_the_right_file_for_each_question() -> None:
    out = run_example("rag_over_markdown.py", "--smoke")
    assert line(out, "indexed ") == "indexed 3 files, 3 passages"
    found = [x.strip() for x in out.splitlines() if x.strip().startswith("found: ")]
    assert found == ["found: [1] (source: shipping.md)", "found: [1] (source: opening_hours.md)"]


def test_speech_to_speech_answers_through_the_fake_realtime_server() -> None:
    out = run_example("speech_to_speech.py", "--smoke", env={"OPENAI_API_KEY": ""})
    assert line(out, "(no OPENAI_API_KEY").endswith("local fake Realtime server)")
    assert line(out, "reply: ") == "reply: The capital of France is Paris."
    assert float(re.findall(r"[\d.]+", line(out, "audio: "))[0]) > 0.5


def test_audio_slot_and_hooks_refuse_without_key_meter_audio_and_limit_a_burst() -> None:
    out = run_example("audio_slot_hooks.py", "--smoke")
    assert line(out, "no key: ") == "no key: [authentication_failed] close 4401"
    assert line(out, "with key: ") == "with key: reply: The capital of France is Paris."
    assert line(out, "level meter: ") == "level meter: peak above -20 dBFS"
    assert line(out, "typed burst") == "typed burst of 5: 2 answered, 3 refused (rate_limit_exceeded)"


@pytest.mark.slow
def test_conversation_test_passes_its_checks_on_the_virtual_clock_and_shows_a_failure() -> None:
    out = run_example("conversation_test.py", "--smoke")
    assert line(out, "virtual clock:").startswith("virtual clock: True")
    assert [x for x in out.splitlines() if x.startswith(("PASS", "FAIL"))] == [
        r"PASS said /\bVee\b/", "PASS said /voice agent/", "PASS within first_text_ms<=1000",
        "PASS said /nine/", "PASS said /five/",
    ]  # fmt: skip
    assert "expected said /midnight/" in line(out, "expected failure:")


def test_conversation_scenarios_pass_under_voicegraph_test(tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    done = subprocess.run(
        [sys.executable, "-m", "voicegraph.cli", "test", str(EXAMPLES / "conversation_scenarios.yaml"),
         "--junit", str(junit)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=150, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed, 0 failed" in done.stdout
    assert 'failures="0"' in junit.read_text()


def test_livekit_room_agent_and_worker_each_answer_a_user(livekit_server: LiveKitServer) -> None:
    env = {
        "LIVEKIT_URL": livekit_server.url,
        "LIVEKIT_API_KEY": livekit_server.api_key,
        "LIVEKIT_API_SECRET": livekit_server.api_secret,
    }
    netns = livekit_server.netns
    wrap = netns.wrap([]) if netns is not None else None
    # PyJWT warns about the --dev secret's length: not an error of the example.
    room = run_example("livekit_agent.py", "--smoke", env=env, wrap=wrap, strict=False)
    assert line(room, "room agent: ") == "room agent: agent said: The capital of France is Paris."
    worker = run_example("livekit_agent.py", "--smoke", "--worker", env=env, wrap=wrap, strict=False)
    assert line(worker, "worker: ") == "worker: agent said: The capital of France is Paris."
