"""docs/backend_api.md names every public name of `voicegraph.backends`."""

from __future__ import annotations

import re
from pathlib import Path

import voicegraph.backends

PAGE = Path(__file__).resolve().parents[2] / "docs" / "backend_api.md"


def test_the_names_table_lists_every_public_name_and_no_other() -> None:
    table = PAGE.read_text().split("## Public names of `voicegraph.backends`", 1)[1]
    listed = re.findall(r"^\| `(\w+)` \|", table, re.M)
    assert sorted(listed) == sorted(voicegraph.backends.__all__)
