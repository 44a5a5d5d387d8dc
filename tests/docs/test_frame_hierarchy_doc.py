"""docs/architecture.md's table of the text family matches the frame classes in the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import voicegraph.framework.frames as frames
from voicegraph.processors.s2s import s2s_frames

ROOT = Path(__file__).resolve().parents[2]
BASE = "AnyTextFrame"
_ROW = re.compile(r"^\| `(\w+)` \| `(\w+)` \|", re.M)


def documented() -> dict[str, str]:
    """class -> parent, from the table under "### The text family"."""
    page = (ROOT / "docs/architecture.md").read_text()
    section = page.split("### The text family", 1)[1].split("\n#", 1)[0]
    return dict(_ROW.findall(section))


def in_code() -> dict[str, str]:
    """class -> parent for `AnyTextFrame` and every class below it, anywhere in voicegraph/."""
    classes: list[tuple[str, list[str]]] = []
    for path in (ROOT / "voicegraph").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                classes.append((node.name, [ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases]))
    family = {name: bases[0] for name, bases in classes if name == BASE}
    grew = True
    while grew:
        grew = False
        for name, bases in classes:
            parent = next((b for b in bases if b in family), None)
            if name not in family and parent is not None:
                family[name] = parent
                grew = True
    return family


def test_the_text_family_table_lists_every_class_with_its_parent() -> None:
    assert documented() == in_code()


def test_the_table_agrees_with_the_imported_classes() -> None:
    for name, parent in documented().items():
        cls = getattr(frames, name, None) or getattr(s2s_frames, name)
        assert [b.__name__ for b in cls.__bases__] == [parent], name
