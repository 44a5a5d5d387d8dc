"""The documentation site covers every page, and every page's Python runs as a test.

`make docs` (mkdocs --strict) fails on a nav entry without a file; these catch the other
way round: a page left out of the nav, or a page with Python examples that
tests/docs/test_doc_examples.py does not run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.docs.test_doc_examples import PAGES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _pages() -> set[str]:
    return {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if not p.name.startswith("_")}


def _nav_files(nav: Any) -> set[str]:
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, list):
        return set().union(*(_nav_files(item) for item in nav))
    if isinstance(nav, dict):
        return set().union(*(_nav_files(value) for value in nav.values()))
    return set()


def test_every_docs_page_is_in_the_site_nav() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert _pages() - _nav_files(config["nav"]) == set()


def test_every_page_with_python_examples_runs_as_a_test() -> None:
    with_python = {f"docs/{page}" for page in _pages() if "```python\n" in (DOCS / page).read_text()}
    assert with_python - set(PAGES) == set()
