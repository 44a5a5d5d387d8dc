"""The latency pictures of a short real conversation (PocketSphinx, eSpeak, scripted agent).

One caller line through the stock graph on real engines (about 5 s); the waterfall and the
comparison chart are drawn from its measured stages.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

import pytest

from voicegraph.demo.caller_line import CallerLine
from voicegraph.demo.latency_waterfall import STAGE_LABELS, waterfall_bars, write_comparison, write_waterfall
from voicegraph.demo.offline_conversation import OfflineConversation
from voicegraph.graphs.voice_agent import VoiceAgentOptions

if TYPE_CHECKING:
    from pathlib import Path

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def stages() -> list[dict[str, float | None]]:
    options = VoiceAgentOptions(
        stt="pocketsphinx", tts="espeak", agent="scripted",
        agent_params={"rules": [["name", "My name is Vee."]], "default": "Sorry?"},
    )  # fmt: skip
    result = asyncio.run(OfflineConversation(options, lines=[CallerLine("What is your name?")]).run())
    assert result.errors == []
    return [t.stages() for t in result.turns]


def test_a_turn_of_a_real_run_has_a_bar_for_each_stage_it_went_through(
    stages: list[dict[str, float | None]],
) -> None:
    bars = waterfall_bars(stages)
    assert {b.stage for b in bars} == set(STAGE_LABELS)
    assert all(b.turn == 0 for b in bars)


def test_the_waterfall_bars_follow_the_order_of_the_events(stages: list[dict[str, float | None]]) -> None:
    bars = waterfall_bars(stages)
    assert bars[0].start_ms == 0.0
    for before, after in itertools.pairwise(bars):
        assert after.end_ms >= before.end_ms
        assert after.start_ms == max(before.start_ms, before.end_ms)
    assert bars[-1].stage == "first_audio_out"  # played is the last thing a turn does


def test_a_stage_that_happened_before_the_end_of_speech_starts_its_bar_at_zero() -> None:
    bars = waterfall_bars([{"stt": -40.0, "vad": 100.0, "first_audio_out": None}])
    assert [(b.stage, b.start_ms, b.end_ms) for b in bars] == [("stt", 0.0, -40.0), ("vad", 0.0, 100.0)]


def test_the_waterfall_png_is_written_and_not_empty(
    stages: list[dict[str, float | None]], tmp_path: Path
) -> None:
    path = write_waterfall(stages, tmp_path / "waterfall.png", title="one turn")
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000


def test_the_comparison_chart_png_is_written_and_not_empty(
    stages: list[dict[str, float | None]], tmp_path: Path
) -> None:
    later = [{k: (None if v is None else v + 200.0) for k, v in t.items()} for t in stages]
    path = write_comparison({"voicegraph": stages, "other": later}, tmp_path / "vs.png")
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000
