"""The pictures of `benchmarks.voice_latency`: a waterfall per run and the voicegraph-vs-Pipecat chart."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.demo.latency_waterfall import write_comparison, write_waterfall

if TYPE_CHECKING:
    from pathlib import Path


def write_plots(report: dict[str, Any], folder: Path) -> list[str]:
    """A waterfall PNG per voicegraph configuration and per versus side, and the comparison chart."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, run in report["runs"].items():
        turns = [t for t in run.get("per_turn", []) if t.get("voice_to_voice") is not None]
        rows = [_stage_row(t) for t in turns]
        if rows:
            path = folder / f"waterfall-{name.replace('/', '-')}.png"
            written.append(write_waterfall(rows, path, title=f"voicegraph {name}: stages per turn"))
    sides = report.get("versus", {}).get("sides", {})
    for side, data in sides.items():
        if data["per_turn"]:
            title = f"{side} (Whisper tiny.en, SmolLM2, Piper): stages per turn"
            written.append(write_waterfall(data["per_turn"], folder / f"waterfall-{side}.png", title=title))
    if sides:
        per_side = {side: data["per_turn"] for side, data in sides.items()}
        title = "voicegraph vs Pipecat, same engines: p50 per stage (whisker: p95)"
        written.append(write_comparison(per_side, folder / "voicegraph-vs-pipecat.png", title=title))
    return [str(p) for p in written]


def _stage_row(turn: dict[str, Any]) -> dict[str, float | None]:
    """A per_turn row's stages under the waterfall's names."""
    return {
        "vad": turn.get("vad_stop_delay"), "turn_end": turn.get("turn_end_delay"),
        "stt": turn.get("stt_final_after_speech_end"),
        "agent_first_token": turn.get("llm_first_token_after_speech_end"),
        "tts_first_byte": turn.get("tts_first_audio_after_speech_end"),
        "first_audio_out": turn.get("voice_to_voice"),
    }  # fmt: skip
