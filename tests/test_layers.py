"""The package's layers: each imports only the layers below it (docs/architecture.md, "Layers").

Every module under `voicegraph/` is parsed (ast, nothing imported), and every import it
makes counts: at module level, inside functions, and under `TYPE_CHECKING`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "voicegraph"

# Layer -> the voicegraph packages it must never import.
FORBIDDEN: dict[str, frozenset[str]] = {
    "framework": frozenset(
        {"audio", "processors", "transports", "backends", "graphs", "demo", "commands", "cli"}
    ),
    "audio": frozenset({"processors", "transports", "backends", "graphs", "demo", "commands", "cli"}),
    "processors": frozenset({"transports", "backends", "graphs", "demo", "commands", "cli"}),
    "transports": frozenset({"backends", "graphs", "demo", "commands", "cli"}),
    "graphs": frozenset({"backends", "demo", "commands", "cli"}),
    "backends": frozenset({"demo", "commands", "cli"}),
    "demo": frozenset({"commands", "cli"}),
    "evals": frozenset({"backends", "commands", "cli"}),
    "testing": frozenset(
        {"audio", "processors", "transports", "backends", "graphs", "demo", "evals", "commands", "cli"}
    ),
}


def imported_modules(source: str, module: str) -> list[tuple[int, str]]:
    """(line, dotted name) of everything `source` (the module `module`) imports."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            if layer_of(base) is not None:
                found.append((node.lineno, base))
            else:  # `from voicegraph import commands`: the names are the modules
                found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def layer_of(dotted: str) -> str | None:
    """The layer a `voicegraph.<layer>...` name belongs to; None outside the package."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "voicegraph" else None


def crossings(path: Path) -> list[str]:
    """The imports of the module at `path` that cross its layer's boundary."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
    own = layer_of(module)
    forbidden = FORBIDDEN.get(own or "", frozenset())
    return sorted(
        {
            f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
            for line, name in imported_modules(path.read_text(), module)
            if layer_of(name) in forbidden
        }
    )


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer: str) -> None:
    paths = [p for p in modules() if p.relative_to(PACKAGE).parts[0] == layer]
    assert paths, f"no modules in voicegraph/{layer}"
    assert [c for p in paths for c in crossings(p)] == []


def test_a_crossing_is_found_at_module_level_in_a_function_and_under_type_checking() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from voicegraph.framework.errors import VoiceError\n"
        "import voicegraph.transports.connection\n"
        "if TYPE_CHECKING:\n"
        "    from voicegraph.backends.session import Session\n"
        "def f() -> None:\n"
        "    from voicegraph import commands\n"
        "    from ...graphs import voice_agent\n"
    )
    names = {layer_of(n) for _, n in imported_modules(source, "voicegraph.processors.audio.gain")}
    assert FORBIDDEN["processors"] & names == {"transports", "backends", "commands", "graphs"}
