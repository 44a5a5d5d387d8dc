"""The swap config: the providers' configs differ only in their `backend:` block, each one
passes serve's config check, and docs/serving.md ("Switching provider") shows the blocks
the test serves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from voicegraph.backends.config import load_config

from .providers import PROVIDERS, TEXT_PROVIDERS
from .swap_config import config_for

DOC = Path(__file__).resolve().parents[3] / "docs" / "serving.md"
ENV = {
    "LIVEKIT_URL": "ws://127.0.0.1:7880", "LIVEKIT_API_KEY": "devkey",
    "LIVEKIT_API_SECRET": "secret-of-at-least-32-characters-0123", "DAILY_API_KEY": "swap-key",
    "VAPI_LLM_API_KEY": "swap-custom-llm-key-0123456789",
    "VAPI_SERVER_SECRET": "swap-server-secret-0123456789",
}  # fmt: skip


def _doc_blocks() -> dict[str, dict[str, Any]]:
    """The `backend:` blocks of the page's "Switching provider" section, by provider."""
    section = DOC.read_text().split("## Switching provider", 1)[1].split("\n## ", 1)[0]
    blocks = [yaml.safe_load(line.strip())["backend"] for line in section.splitlines()
              if re.match(r"^ {4}backend:", line)]  # fmt: skip
    return {block["provider"]: block for block in blocks}


def _portless(backend: dict[str, Any]) -> dict[str, Any]:
    options = {k: v for k, v in backend["options"].items() if not k.endswith("port")}
    return {**backend, "options": options}


def _without_backend(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k != "backend"}


def test_every_audio_providers_config_differs_only_in_its_backend_block() -> None:
    first = _without_backend(config_for(PROVIDERS[0], port=8765))
    assert all(_without_backend(config_for(p, port=8765)) == first for p in PROVIDERS)
    assert len({repr(config_for(p)["backend"]) for p in PROVIDERS}) == len(PROVIDERS)


@pytest.mark.parametrize("provider", (*PROVIDERS, *TEXT_PROVIDERS))
def test_each_providers_config_passes_the_config_check(provider: str) -> None:
    loaded = load_config(config_for(provider, port=8765), env=ENV)
    assert loaded.backend.provider == provider


def test_the_page_shows_each_audio_providers_block_as_served() -> None:
    shown = _doc_blocks()
    assert sorted(shown) == sorted(PROVIDERS)
    for provider, block in shown.items():
        served = config_for(provider)["backend"]
        assert _portless(block) == _portless(served), provider  # the test fills in free ports
        assert load_config({**config_for(provider), "backend": block}, env=ENV).backend.provider == provider
