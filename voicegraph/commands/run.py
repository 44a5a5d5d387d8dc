"""`voicegraph run`: one offline conversation with the stock voice agent, end to end."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

    from voicegraph.demo.offline_conversation import ConversationResult
    from voicegraph.framework.spec import GraphSpec

_HELP = """Runs the stock voice agent (VAD, turn detection, STT, LLM, TTS, barge-in) offline.
The user is a scripted caller whose lines are synthesized with Piper and played in real
time, or a WAV file. Prints both sides' transcript and a per-turn latency table, and
writes the conversation to a WAV file and a per-turn latency waterfall (PNG) beside it.

Script file: one caller line per line; '# ...' comments; '[barge-in 1.5] text' speaks
1.5 s after the bot starts answering (cutting it off); '[pause 2] text' waits 2 s after
the bot's reply instead of 0.6 s."""


def add_parser(sub: Any) -> None:
    """Register `run`."""
    p = sub.add_parser("run", help="run a voice conversation offline", description=_HELP)
    p.add_argument("--stt", choices=("whisper", "pocketsphinx"), default="whisper")
    p.add_argument("--tts", choices=("piper", "espeak"), default="piper")
    p.add_argument(
        "--agent",
        choices=("local", "scripted", "llm"),
        default="local",
        help="local SmolLM2, rule-based replies, or an OpenAI-compatible endpoint (OPENAI_* env)",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--script", type=Path, help="the caller's lines (default: a 3-turn demo with a barge-in)"
    )
    src.add_argument("--wav", type=Path, help="a recording to play as the user instead of a script")
    p.add_argument(
        "--out", type=Path, default=Path("conversation.wav"), help="where to write the conversation"
    )
    p.add_argument(
        "--layout", choices=("stereo", "mix"), default="stereo", help="stereo: user left, bot right; mix: one"
    )
    p.add_argument("--spec", type=Path, help="a voice agent spec (YAML) instead of the stock one")
    p.add_argument("--noise", action="store_true", help="denoise the user's audio with RNNoise")
    p.add_argument("--no-barge-in", action="store_true", help="let the bot finish while the user speaks")
    p.add_argument("--system-prompt", help="the LLM's system prompt")
    p.add_argument("--caller-voice", choices=("piper", "espeak"), default="piper")
    p.add_argument(
        "--no-plots", action="store_true", help="do not write the per-turn waterfall PNG beside --out"
    )
    p.set_defaults(fn=_run)


def _run(args: argparse.Namespace) -> int:
    from voicegraph.framework.errors import VoiceError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        _check_out(args.out)  # before the conversation, not after it: a minute of engines wasted
        result = asyncio.run(_conversation(args))
        _report(args, result)
    except VoiceError as err:
        print(f"voicegraph run: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C is the user's way to stop, not a crash: no traceback
        print("voicegraph run: interrupted; nothing written", file=sys.stderr)
        return 130
    return 0


def _check_out(out: Path) -> None:
    """Raises: VoiceError: (invalid_input) `out` cannot be written."""
    from voicegraph.framework.errors import ErrorCode, VoiceError

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.is_dir() or not os.access(out.parent, os.W_OK):
            raise PermissionError(13, "not writable" if not out.is_dir() else "is a directory")
    except OSError as exc:
        raise VoiceError(ErrorCode.INVALID_INPUT, f"cannot write {out}: {exc.strerror or exc}") from exc


def _load_spec(path: Path) -> GraphSpec:
    """Raises: VoiceError: (invalid_input) unreadable file; (invalid_config) a bad spec."""
    from voicegraph.framework.errors import ErrorCode, VoiceError
    from voicegraph.framework.spec import load_spec

    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise VoiceError(ErrorCode.INVALID_INPUT, f"cannot read spec {path}: {reason}") from exc
    return load_spec(text + "\n")  # a YAML text, never taken for a file name


async def _conversation(args: argparse.Namespace) -> ConversationResult:
    from voicegraph.demo.caller_line import read_script
    from voicegraph.demo.caller_recording import read_caller_recording
    from voicegraph.demo.demo_conversation import DEMO_DEFAULT_REPLY, DEMO_RULES, DEMO_SCRIPT
    from voicegraph.demo.offline_conversation import OfflineConversation
    from voicegraph.graphs.voice_agent import VoiceAgentOptions

    agent_params: dict[str, Any] = {}
    if args.agent == "scripted":
        agent_params = {"rules": [list(r) for r in DEMO_RULES], "default": DEMO_DEFAULT_REPLY}
    options = VoiceAgentOptions(
        stt=args.stt, tts=args.tts, agent=args.agent, noise=args.noise,
        barge_in=False if args.no_barge_in else None, system_prompt=args.system_prompt,
        agent_params=agent_params,
    )  # fmt: skip
    recording = read_caller_recording(args.wav) if args.wav else None
    lines = read_script(args.script) if args.script else ([] if recording is not None else list(DEMO_SCRIPT))
    spec = _load_spec(args.spec) if args.spec else None
    what = f"{len(lines)} caller line{'' if len(lines) == 1 else 's'}" if recording is None else f"{args.wav}"
    print(
        f"voicegraph run: stt={args.stt} tts={args.tts} agent={args.agent}; loading engines, then "
        f"playing {what} in real time (the transcript and latency table follow at the end)...",
        flush=True,
    )
    conversation = OfflineConversation(
        options, lines=lines, recording=recording, spec=spec, caller_voice=args.caller_voice,
        reply_timeout_s=4.0 if recording is not None else 8.0, on_progress=_progress,
    )  # fmt: skip
    return await conversation.run()


def _progress(line: str) -> None:
    print(line, flush=True)


def _report(args: argparse.Namespace, result: ConversationResult) -> None:
    from voicegraph.demo.latency_table import format_latency_table, format_transcript

    print(f"engines ready in {result.start_ms / 1000:.1f} s\n")
    print(format_transcript(result.turns))
    print("\nLatency per turn, ms after the end of the user's speech (last speech sample pushed):")
    print(format_latency_table(result.turns))
    if any(t.speech_end_source == "vad" for t in result.turns):
        print("* speech end as estimated by the VAD (no script timing)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    seconds = result.recorder.write(args.out, layout=args.layout)
    sides = "user left, bot right" if args.layout == "stereo" else "mixed"
    print(f"\nwrote {args.out} ({seconds:.1f} s, {sides})")
    if not args.no_plots:
        _plot(args.out, result)
    for err in result.errors:
        print(f"error: {err}", file=sys.stderr)


def _plot(out: Path, result: ConversationResult) -> None:
    """The per-turn waterfall beside the WAV (`<out stem>-waterfall.png`); a missing
    matplotlib is a note, not a failure: the conversation is already written."""
    from voicegraph.demo.latency_waterfall import write_waterfall
    from voicegraph.framework.errors import VoiceError

    path = out.with_name(out.stem + "-waterfall.png")
    try:
        write_waterfall([t.stages() for t in result.turns], path, title="voicegraph run: stages per turn")
    except VoiceError as err:
        print(f"no waterfall: {err}", file=sys.stderr)
        return
    print(f"wrote {path} (latency waterfall per turn)")
