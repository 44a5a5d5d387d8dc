"""EngineRegistry: one load per key per process, shared by every thread that asks."""

from __future__ import annotations

import threading
import time

import pytest

from voicegraph.framework.engine_registry import EngineRegistry
from voicegraph.framework.errors import ErrorCode, VoiceError


class Model:
    """Stands for a loaded engine: slow to build, remembers whether it was closed."""

    def __init__(self, name: str) -> None:
        time.sleep(0.05)
        self.name = name
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_second_ask_for_the_same_key_gets_the_same_engine_without_loading() -> None:
    reg = EngineRegistry()
    first = reg.get("stt", ("m", 2), lambda: Model("a"))
    second = reg.get("stt", ("m", 2), lambda: Model("b"))
    assert second is first and reg.loads() == {("stt", ("m", 2)): 1}


def test_different_params_load_different_engines() -> None:
    reg = EngineRegistry()
    one, two = reg.get("stt", 1, lambda: Model("a")), reg.get("stt", 2, lambda: Model("b"))
    assert one is not two and reg.loaded() == [("stt", 1), ("stt", 2)]


def test_threads_asking_at_once_share_one_load() -> None:
    reg = EngineRegistry()
    got: list[Model] = []
    threads = [
        threading.Thread(target=lambda: got.append(reg.get("tts", "v", lambda: Model("v")))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(m) for m in got}) == 1 and reg.loads()[("tts", "v")] == 1


def test_a_failed_load_is_not_kept_and_the_next_ask_loads_again() -> None:
    reg = EngineRegistry()

    def broken() -> Model:
        raise VoiceError(ErrorCode.INVALID_CONFIG, "no such model")

    with pytest.raises(VoiceError) as err:
        reg.get("stt", "x", broken)
    assert err.value.code is ErrorCode.INVALID_CONFIG
    assert reg.get("stt", "x", lambda: Model("x")).name == "x" and reg.loads()[("stt", "x")] == 1


def test_close_all_closes_every_engine_and_a_later_ask_loads_again() -> None:
    reg = EngineRegistry()
    old = reg.get("llm", "m", lambda: Model("old"), close=Model.close)
    reg.close_all()
    new = reg.get("llm", "m", lambda: Model("new"), close=Model.close)
    assert old.closed and not new.closed and new is not old
    assert reg.loads()[("llm", "m")] == 2 and reg.peek("llm", "m") is new


def test_a_close_that_fails_does_not_keep_the_others_loaded() -> None:
    reg = EngineRegistry()

    def fail(_: Model) -> None:
        raise RuntimeError("boom")

    kept = reg.get("a", 1, lambda: Model("a"), close=Model.close)
    reg.get("b", 1, lambda: Model("b"), close=fail)
    reg.close_all()
    assert kept.closed and reg.loaded() == []
