"""LiveKitConfig: Cloud and self-hosted URLs, environment variables, coded errors."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.livekit import LiveKitConfig

ENV = {
    "LIVEKIT_URL": "wss://demo-abc.livekit.cloud",
    "LIVEKIT_API_KEY": "APIkey",
    "LIVEKIT_API_SECRET": "s3cr3t",
}


def test_environment_variables_give_a_cloud_config() -> None:
    config = LiveKitConfig.from_env(ENV)
    assert (config.url, config.api_key, config.secret()) == (
        "wss://demo-abc.livekit.cloud",
        "APIkey",
        "s3cr3t",
    )
    assert config.is_cloud and config.http_url == "https://demo-abc.livekit.cloud"


def test_keyword_overrides_win_over_the_environment() -> None:
    config = LiveKitConfig.from_env(ENV, url="http://10.1.2.3:7880/", api_key="other")
    assert (config.url, config.api_key) == ("ws://10.1.2.3:7880", "other")
    assert not config.is_cloud and config.http_url == "http://10.1.2.3:7880"


def test_missing_credentials_name_the_environment_variables() -> None:
    with pytest.raises(VoiceError) as err:
        LiveKitConfig.from_env({"LIVEKIT_URL": "ws://127.0.0.1:7880"})
    assert err.value.code is ErrorCode.INVALID_CONFIG
    assert any("LIVEKIT_API_KEY" in d for d in err.value.details)
    assert any("LIVEKIT_API_SECRET" in d for d in err.value.details)


def test_a_url_without_a_websocket_or_http_scheme_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as err:
        LiveKitConfig.create(url="ftp://example.test", api_key="k", api_secret="s")
    assert err.value.code is ErrorCode.INVALID_CONFIG
    assert err.value.details and err.value.details[0].startswith("url")


def test_the_secret_never_shows_in_the_repr() -> None:
    config = LiveKitConfig.from_env(ENV)
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config.model_dump())
