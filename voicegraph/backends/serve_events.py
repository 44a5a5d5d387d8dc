"""The JSON event lines `voicegraph serve` and `voicegraph worker` print on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_event(event: dict[str, Any]) -> None:
    """Print `event` as one JSON line, in one write.

    Worker processes share their parent's stdout. `print()` writes the text and the newline
    separately when stdout is unbuffered (PYTHONUNBUFFERED), so two processes stopping at
    once could interleave into `{...}{...}` and a reader would lose both events. One write
    of a line under the pipe's atomic size (4 KiB) cannot be split.
    """
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()
