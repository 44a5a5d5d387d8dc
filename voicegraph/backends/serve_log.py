"""Logging for `voicegraph serve`: human-readable lines on stderr, one per session event.

JSON events (listening, ready, stopped) stay on stdout for programs; these lines are for
people: a session's start and end with its id, one line per turn with its latencies,
every coded error with its code, message and session id. Tracebacks only at level
debug or with `logging.tracebacks: true`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TYPE_CHECKING

from voicegraph.backends.live_session import SessionListener
from voicegraph.backends.log_redaction import SecretRedactor, secret_values
from voicegraph.backends.turn_tracker import STAGES
from voicegraph.framework.bus import ErrorEvent

if TYPE_CHECKING:
    from voicegraph.backends.live_session import LiveSession
    from voicegraph.backends.turn_tracker import Turn

log = logging.getLogger("voicegraph.serve")

_STAGE_LABEL = {
    "vad": "vad", "turn_end": "turn_end", "stt": "stt", "agent_request": "request",
    "agent_first_token": "first_token", "tts_first_byte": "tts", "first_audio_out": "audio_out",
}  # fmt: skip
_QUIETED = ("voicegraph.runtime",)
"""Loggers whose failure lines repeat what `SessionLog` says with the session id."""


class _Formatter(logging.Formatter):
    """`HH:MM:SS.mmm LEVEL name: message`; tracebacks only when asked; secrets masked
    (in the message, its arguments and the traceback alike)."""

    def __init__(self, tracebacks: bool, redact: SecretRedactor) -> None:
        super().__init__("%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        self._tracebacks = tracebacks
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        if self._tracebacks:
            return self._redact(super().format(record))
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return self._redact(super().format(record))
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def setup_logging(level: str, *, tracebacks: bool = False) -> None:
    """Send voicegraph's log lines to stderr at `level` (debug shows tracebacks too).

    Every line goes through a `SecretRedactor` built from the environment's secrets
    (API keys, auth tokens, URL passwords: see `secret_values`), at every level.
    """
    numeric = logging.getLevelName(level.upper())
    handler = logging.StreamHandler(sys.stderr)
    redact = SecretRedactor(secret_values(os.environ))
    handler.setFormatter(_Formatter(tracebacks or numeric <= logging.DEBUG, redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("voicegraph").setLevel(numeric)
    for name in _QUIETED:
        logging.getLogger(name).setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.ERROR)


def turn_line(session_id: str, turn: Turn) -> str:
    """`session <id> turn 3 answered in 1840 ms: vad=0 turn_end=300 stt=410 ...` (ms after
    the turn started: the user's input was complete)."""
    stages = " ".join(
        f"{_STAGE_LABEL[s]}={turn.latency_ms(s):.0f}" for s in STAGES if turn.latency_ms(s) is not None
    )
    total = (turn.end_ns - turn.start_ns) / 1e6
    return f"session {session_id} turn {turn.index} {turn.outcome} in {total:.0f} ms: {stages or 'no stages'}"


class SessionLog(SessionListener):
    """Logs each session's start and end, each turn's latencies and each coded graph error.

    Handles the session manager's listener calls (synchronous, cheap); emits log lines
    on `voicegraph.serve` (info for sessions and turns, warning for errors). Adds no
    latency to the sessions.
    """

    def session_started(self, live: LiveSession) -> None:
        """One line, and subscribe to the session's graph errors."""
        resumed = " (resumed)" if live.runtime.metadata.get("resumed") else ""
        log.info("session %s started%s", live.id, resumed)
        sid = live.id

        def on_error(event: ErrorEvent) -> None:
            err = event.error
            log.warning("session %s: [%s] %s (node %s)", sid, err.code, err.message, event.node or "?",
                        exc_info=err)  # fmt: skip

        live.runtime.bus.subscribe(on_error, ErrorEvent)

    def session_ended(self, live: LiveSession) -> None:
        """One line: turns, duration, and the graph's failure if it had one."""
        seconds = time.perf_counter() - live.started
        failure = live.runtime.failure
        how = f"failed [{failure.code}] {failure.message}" if failure is not None else "ended"
        log.info("session %s %s after %.1f s, %d turns", live.id, how, seconds, live.tracker.completed)

    def turn_ended(self, live: LiveSession, turn: Turn) -> None:
        """One line per turn with its stage latencies."""
        log.info("%s", turn_line(live.id, turn))
