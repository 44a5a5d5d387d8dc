"""Node names: chosen names are unique, default (class) names are numbered."""

from __future__ import annotations

import pytest

from voicegraph.framework import ErrorCode, Graph, VoiceError

from .nodes import QueuedRecorder, Recorder


def test_a_chosen_processor_name_taken_twice_is_an_invalid_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        Graph.chain(Recorder(name="words"), Recorder(name="words"))
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_a_name_given_to_add_must_be_free() -> None:
    graph = Graph()
    graph.add(Recorder(), name="input")
    with pytest.raises(VoiceError) as err:
        graph.add(Recorder(), name="input")
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_a_name_given_to_add_cannot_take_a_default_name() -> None:
    graph = Graph()
    graph.add(Recorder())
    with pytest.raises(VoiceError) as err:
        graph.add(QueuedRecorder(), name="Recorder")
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_a_refused_processor_stays_free_for_another_name() -> None:
    graph = Graph()
    graph.add(Recorder(name="words"))
    second = Recorder(name="words")
    with pytest.raises(VoiceError):
        graph.add(second)
    assert graph.add(second, name="more_words") == "more_words"
    assert list(graph.processors) == ["words", "more_words"]


def test_default_names_are_numbered_in_the_order_added() -> None:
    graph = Graph.chain(Recorder(), Recorder(), QueuedRecorder(), Recorder())
    assert list(graph.processors) == ["Recorder", "Recorder_2", "QueuedRecorder", "Recorder_3"]
    assert [p.name for p in graph.processors.values()] == list(graph.processors)
