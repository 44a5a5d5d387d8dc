"""The YAML configs of docs/security.md load and validate, and build the hooks they describe."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.backends.server_process import ROOT
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_hooks
from voicegraph.backends.hooks import TokenAuthHook, TwilioSignatureAuthHook
from voicegraph.framework.errors import ErrorCode, VoiceError

PAGE = ROOT / "docs" / "security.md"


def _configs() -> list[dict[str, object]]:
    blocks = re.findall(r"^```yaml\n(.*?)^```$", PAGE.read_text(), re.M | re.S)
    assert len(blocks) == 2
    return [yaml.safe_load(b) for b in blocks]


def test_token_config_of_the_page_builds_a_token_hook() -> None:
    hooks = build_hooks(load_config(_configs()[0], env={}).hooks)
    assert isinstance(hooks.auth, TokenAuthHook)


def test_twilio_config_of_the_page_builds_the_signature_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(_configs()[1], env={})
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "doc-test-token-123")
    assert isinstance(build_hooks(config.hooks).auth, TwilioSignatureAuthHook)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    with pytest.raises(VoiceError) as info:
        build_hooks(config.hooks)
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_the_page_is_in_the_site_navigation() -> None:
    assert "Security: security.md" in (ROOT / "mkdocs.yml").read_text()
