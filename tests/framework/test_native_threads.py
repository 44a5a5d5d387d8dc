"""native_threads: finding the threads an engine started, and lowering their priority."""

from __future__ import annotations

import os
import threading

import pytest

from voicegraph.framework.native_threads import lower_priority, native_thread_ids

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="Linux /proc only")


def test_python_threads_are_not_counted_as_native() -> None:
    started = threading.Event()
    stop = threading.Event()

    def run() -> None:
        started.set()
        stop.wait(5)

    t = threading.Thread(target=run)
    t.start()
    started.wait(5)
    try:
        assert t.native_id not in native_thread_ids()
        assert threading.main_thread().native_id not in native_thread_ids()
    finally:
        stop.set()
        t.join()


def test_lower_priority_changes_only_the_given_threads() -> None:
    ready, stop = threading.Event(), threading.Event()

    def park() -> None:
        ready.set()
        stop.wait(5)

    t = threading.Thread(target=park)
    t.start()
    ready.wait(5)
    assert t.native_id is not None
    try:
        mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert lower_priority({t.native_id}, mine + 5) == 1
        assert os.getpriority(os.PRIO_PROCESS, t.native_id) == mine + 5
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine
    finally:
        stop.set()
        t.join()


def test_a_thread_that_is_gone_is_skipped() -> None:
    assert lower_priority({2**22 + 12345}, 10) == 0
