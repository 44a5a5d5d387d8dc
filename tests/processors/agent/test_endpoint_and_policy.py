"""Endpoint configuration from arguments and environment; retry backoff."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.endpoint import DEFAULT_BASE_URL, Endpoint
from voicegraph.processors.agent.retry_policy import RetryPolicy


def test_environment_supplies_base_url_model_and_key() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1", "OPENAI_API_KEY": "sk-env", "OPENAI_MODEL": "m-env"}
    ep = Endpoint.from_env(environ=env)
    assert (ep.url, ep.model, ep.api_key) == ("http://127.0.0.1:8080/v1/chat/completions", "m-env", "sk-env")


def test_arguments_win_over_environment_and_defaults_fill_the_rest() -> None:
    ep = Endpoint.from_env(model="m-arg", environ={"OPENAI_MODEL": "m-env"})
    assert (ep.base_url, ep.model, ep.api_key) == (DEFAULT_BASE_URL, "m-arg", None)


def test_key_never_shows_in_repr_or_label() -> None:
    ep = Endpoint(api_key="sk-secret")
    assert "sk-secret" not in repr(ep) + ep.label


def test_bad_endpoint_config_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        Endpoint.coerce({"base_url": "ftp://x", "model": "m"})
    assert info.value.code is ErrorCode.INVALID_CONFIG
    with pytest.raises(VoiceError) as info:
        Endpoint.coerce({"url": "http://x"})
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_backoff_doubles_up_to_the_cap_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay_s=0.25, multiplier=2.0, max_delay_s=1.0)
    assert [policy.delay(n) for n in range(4)] == [0.25, 0.5, 1.0, 1.0]
    assert (policy.delay(0, retry_after_s=0.7), policy.delay(0, retry_after_s=9.0)) == (0.7, 1.0)
