"""PromptTemplate: per-session variables, clear errors for missing ones."""

from __future__ import annotations

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.context import ConversationContext, PromptTemplate


def test_variables_are_filled_in() -> None:
    template = PromptTemplate("You are talking to {caller_name} about {topic}.")
    assert template.render({"caller_name": "Ada", "topic": "billing"}) == (
        "You are talking to Ada about billing."
    )


def test_a_missing_variable_is_invalid_config_naming_it() -> None:
    template = PromptTemplate("Hello {caller_name}, your order {order_id}.")
    with pytest.raises(VoiceError) as info:
        template.render({"order_id": 7})
    assert info.value.code is ErrorCode.INVALID_CONFIG
    assert info.value.details == ("missing prompt variable: caller_name",)


def test_doubled_braces_stay_literal_and_need_no_variable() -> None:
    assert (
        PromptTemplate('Answer in JSON like {{"ok": true}}.').render({})
        == 'Answer in JSON like {"ok": true}.'
    )


def test_attribute_access_in_a_field_is_refused() -> None:
    with pytest.raises(VoiceError) as info:
        PromptTemplate("{caller.__class__}")
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_context_variables_set_later_override_the_defaults() -> None:
    context = ConversationContext(system_prompt="Hi {name}.", variables={"name": "there"})
    assert context.render_system() == "Hi there."
    context.set_variables({"name": "Grace"})
    assert context.messages() == ({"role": "system", "content": "Hi Grace."},)
