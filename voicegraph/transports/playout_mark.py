"""Playout marks: names that tell which reply, and how far into it, a medium has played."""

from __future__ import annotations

import re

_MARK = re.compile(r"vg\.(\d{1,12})\.(\d{1,19})(\.end)?", re.ASCII)


def mark_name(seq: int, position_ns: int, *, end: bool = False) -> str:
    """The name of a mark: reply `seq` played up to `position_ns` (its end when `end`)."""
    return f"vg.{seq}.{position_ns}" + (".end" if end else "")


def parse_mark(name: str) -> tuple[int, int, bool] | None:
    """(seq, position_ns, end) of a name made by `mark_name`; None for any other name."""
    m = _MARK.fullmatch(name)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)), m.group(3) is not None
