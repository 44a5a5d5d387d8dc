"""ReplyLedger: the replies an output accounts for, and the reports it owes upstream."""

from __future__ import annotations

from voicegraph.framework.frames.system import ReplyPlayedFrame
from voicegraph.transports.playout_mark import mark_name, parse_mark
from voicegraph.transports.reply_tracker import ReplyTracker


class ReplyLedger:
    """Tracks the reply playing now and, with marks, the finished ones awaiting their echo.

    I/O-free. Without marks a finished reply is reported at once (the pacing clock says
    it played). With marks (`marks=True`) the report waits for the echo of the reply's
    end mark, and an interruption reports the position the echoes confirmed, a lower
    bound, since a mark echo only comes after its audio played.

    Args:
        marks: whether the medium echoes marks.
    """

    def __init__(self, *, marks: bool = False) -> None:
        self.marks = marks
        self.current: ReplyTracker | None = None
        self._seq = 0
        self._awaiting: dict[int, ReplyTracker] = {}

    @property
    def awaiting(self) -> bool:
        """Whether finished replies still wait for their end mark."""
        return bool(self._awaiting)

    def open(self, response_id: str = "", *, explicit: bool = False) -> ReplyTracker:
        """Start a new current reply (the caller finishes the previous one first)."""
        self._seq += 1
        self.current = ReplyTracker(response_id, seq=self._seq, explicit=explicit)
        return self.current

    def finish(self) -> ReplyPlayedFrame | str | None:
        """Close the current reply: its report, or (marks) the end mark to send first."""
        reply, self.current = self.current, None
        if reply is None:
            return None
        if self.marks:
            self._awaiting[reply.seq] = reply
            return mark_name(reply.seq, reply.written_ns, end=True)
        return reply.report(played_ns=reply.written_ns, total_ns=reply.written_ns, interrupted=False)

    def mark_due(self, every_ns: int) -> str | None:
        """A progress mark to send after the chunk just written, when one is due."""
        reply = self.current
        if not self.marks or reply is None or reply.written_ns - reply.last_mark_ns < every_ns:
            return None
        reply.last_mark_ns = reply.written_ns
        return mark_name(reply.seq, reply.written_ns)

    def echo(self, name: str) -> ReplyPlayedFrame | None:
        """A mark came back: confirm its position; the report if it ends a reply."""
        parsed = parse_mark(name)
        if parsed is None:
            return None
        seq, position, end = parsed
        cur = self.current
        reply = cur if cur is not None and cur.seq == seq else self._awaiting.get(seq)
        if reply is None:
            return None  # already reported (e.g. marks handed back by a clear)
        reply.confirm(position)
        if not end or self._awaiting.pop(seq, None) is None:
            return None
        return reply.report(played_ns=reply.written_ns, total_ns=reply.written_ns, interrupted=False)

    def cut(self, now_ns: int, queued_ns: int, later: tuple[tuple[str, int], ...]) -> list[ReplyPlayedFrame]:
        """Interruption at clock time `now_ns`: report every open reply as cut off.

        Args:
            now_ns: when playout stopped.
            queued_ns: audio of the current reply that was still buffered.
            later: (response id, queued ns) of replies that never started.
        """
        out: list[ReplyPlayedFrame] = []
        reply = self.current
        if reply is None and queued_ns:
            reply = self.open()
        if reply is not None:
            played = reply.confirmed_ns if self.marks else reply.played_at(now_ns)
            out.append(
                reply.report(played_ns=played, total_ns=reply.written_ns + queued_ns, interrupted=True)
            )
        out += self.settle(interrupted=True)
        out += [ReplyPlayedFrame(response_id=i, total_ns=ns, interrupted=True) for i, ns in later]
        self.current = None
        return out

    def settle(self, *, interrupted: bool = False) -> list[ReplyPlayedFrame]:
        """Report the replies still awaiting their end mark, as far as marks confirmed."""
        out = [
            r.report(played_ns=r.confirmed_ns, total_ns=r.written_ns, interrupted=interrupted)
            for r in self._awaiting.values()
        ]
        self._awaiting.clear()
        return out
