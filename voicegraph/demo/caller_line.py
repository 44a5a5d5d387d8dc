"""CallerLine: one thing a scripted caller says, and when; plus the script file format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from voicegraph.framework.errors import ErrorCode, VoiceError

_TAG = re.compile(r"^\[(?P<kind>barge-in|pause)\s+(?P<secs>\d+(?:\.\d+)?)\s*s?\]\s*(?P<text>.*)$", re.I)


@dataclass(frozen=True, slots=True)
class CallerLine:
    """A line of the caller's script.

    By default the caller waits until the bot has answered the previous line and been
    quiet for `pause_s`, then speaks (the first line: `pause_s` after the start). With
    `barge_in_s` it speaks that long after the bot *starts* answering, cutting it off.
    """

    text: str
    barge_in_s: float | None = None
    """Seconds after the bot starts its reply to the previous line; None waits for the end."""
    pause_s: float = 0.6
    """Silence after the bot's reply (or the session start) before speaking."""


def parse_script(text: str) -> list[CallerLine]:
    """Lines from the script format: one caller line per line of text.

    Blank lines and `#` comments are skipped. A line may start with a tag:
    `[barge-in 1.5] Stop, ...` speaks 1.5 s after the bot starts answering;
    `[pause 2] ...` waits 2 s of silence after the bot's reply instead of 0.6 s.

    Raises:
        VoiceError: (invalid_input) an unknown tag or a script without lines.
    """
    lines: list[CallerLine] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            m = _TAG.match(line)
            if m is None or not m["text"].strip():
                raise VoiceError(ErrorCode.INVALID_INPUT, f"script line {number}: bad tag in {line!r}")
            secs = float(m["secs"])
            if m["kind"].lower() == "barge-in":
                lines.append(CallerLine(m["text"].strip(), barge_in_s=secs))
            else:
                lines.append(CallerLine(m["text"].strip(), pause_s=secs))
            continue
        lines.append(CallerLine(line))
    if not lines:
        raise VoiceError(ErrorCode.INVALID_INPUT, "the caller script has no lines")
    return lines


def read_script(path: str | Path) -> list[CallerLine]:
    """`parse_script` on a file.

    Raises:
        VoiceError: (invalid_input) unreadable file or bad script.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise VoiceError(ErrorCode.INVALID_INPUT, f"cannot read script {path}: {exc}") from exc
    return parse_script(text)
