"""Native threads of engines: which ones a library started, and lowering their CPU priority.

On two cores the engines compete: the STT and the first TTS audio are on a reply's
critical path, the rest of the LLM's tokens are not (they only need to keep ahead of
playback). Engines run in native threads that Python cannot name, so the threads an
engine creates are found as the difference of the process's threads before and after
it starts, minus Python's own threads. `ENGINE_LOAD_LOCK` keeps engine loads in this
process from overlapping, so such a difference holds one engine's threads only.
Linux only (it reads /proc); elsewhere nothing is found and nothing changes.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

ENGINE_LOAD_LOCK = threading.RLock()
"""Held while an engine loads (creating its thread pools)."""


def native_thread_ids() -> set[int]:
    """Kernel thread ids of this process that Python did not start (empty if unknown)."""
    try:
        tids = {int(t) for t in os.listdir("/proc/self/task")}
    except OSError:
        return set()
    python = {t.native_id for t in threading.enumerate() if t.native_id is not None}
    return tids - python


def lower_priority(tids: set[int], nice: int) -> int:
    """Set the nice value of threads `tids` (Linux threads have their own); returns how many.

    Raising priority (a lower value than now) needs privileges and is not attempted.
    """
    done = 0
    for tid in tids:
        try:
            if nice > os.getpriority(os.PRIO_PROCESS, tid):
                os.setpriority(os.PRIO_PROCESS, tid, nice)
            done += 1
        except OSError as exc:  # the thread ended meanwhile, or no permission
            log.debug("cannot renice thread %d: %s", tid, exc)
    return done
