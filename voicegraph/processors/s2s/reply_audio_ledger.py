"""ReplyAudioLedger: per bot reply, the audio received, emitted and heard — for barge-in truncation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicegraph.framework.frames.system import ReplyPlayedFrame

_KEEP = 16
"""Finished replies kept for late reports; older ones are forgotten."""


@dataclass(slots=True)
class ReplyAudio:
    """The audio bookkeeping of one response (ns of audio, graph-clock ns for times)."""

    response_id: str
    epoch: int
    session: int = 0
    """Provider session (connection) it came from; items of an older one no longer exist."""
    active: bool = True
    """The provider is still generating it."""
    items: list[tuple[str, int]] = field(default_factory=list)
    """(assistant item id, audio ns received) in order."""
    emitted_ns: int = 0
    first_emit_at: int | None = None
    cut: bool = False
    """Interrupted: later audio is dropped and the items get truncated."""
    cut_active: bool = False
    """The provider was still generating it when it was cut."""
    cut_at: int | None = None
    """Graph-clock time of the cut."""
    played: ReplyPlayedFrame | None = None
    """The output transport's report, when one came."""

    @property
    def received_ns(self) -> int:
        """Audio received from the provider, all items."""
        return sum(ns for _, ns in self.items)

    @property
    def finished(self) -> bool:
        """The output reported the whole reply played."""
        return self.played is not None and not self.played.interrupted


class ReplyAudioLedger:
    """Tracks each response's audio so a barge-in can truncate the model's memory correctly.

    I/O-free. The S2S node records what the provider sent (`received`), what it emitted
    downstream (`emitted`) and what the output transport reported played (`played`). On
    an interruption, `cut` marks the replies the user may be hearing; `truncation_points`
    then turns a played position into `(item_id, audio_end_ms)` pairs: the item holding
    the position is cut there, later items at 0. Without a report, `estimate_played` is
    the audio emitted minus what is still queued downstream, taking playout as real time
    from the first emitted chunk.

    Args:
        tail_ns: how long after its last emitted audio a reply counts as still playing
            when no output reports it (downstream buffering).
    """

    def __init__(self, *, tail_ns: int = 300_000_000) -> None:
        self.tail_ns = tail_ns
        self.session = 0
        """The current provider session; bumped by `new_session` after a reconnect."""
        self._replies: dict[str, ReplyAudio] = {}

    def get(self, response_id: str) -> ReplyAudio | None:
        """The reply with this id, if tracked."""
        return self._replies.get(response_id)

    def open(self, response_id: str, epoch: int) -> ReplyAudio:
        """A response started in interruption epoch `epoch`."""
        reply = self._replies.get(response_id)
        if reply is None:
            reply = self._replies[response_id] = ReplyAudio(response_id, epoch, self.session)
            self._trim()
        return reply

    def accepts(self, response_id: str, epoch: int) -> bool:
        """Whether output of this response may still go out (not cut, same epoch)."""
        reply = self._replies.get(response_id) or self.open(response_id, epoch)
        return not reply.cut and reply.epoch == epoch

    def received(self, response_id: str, item_id: str, audio_ns: int) -> None:
        """Audio of `item_id` arrived from the provider."""
        reply = self._replies.get(response_id)
        if reply is None:
            return
        if reply.items and reply.items[-1][0] == item_id:
            reply.items[-1] = (item_id, reply.items[-1][1] + audio_ns)
        else:
            reply.items.append((item_id, audio_ns))

    def emitted(self, response_id: str, audio_ns: int, now_ns: int) -> None:
        """Audio of the reply went downstream at `now_ns`."""
        reply = self._replies.get(response_id)
        if reply is None or reply.cut:
            return
        if reply.first_emit_at is None:
            reply.first_emit_at = now_ns
        reply.emitted_ns += audio_ns

    def done(self, response_id: str) -> ReplyAudio | None:
        """The provider ended the response."""
        reply = self._replies.get(response_id)
        if reply is not None:
            reply.active = False
        return reply

    def played(self, report: ReplyPlayedFrame) -> ReplyAudio | None:
        """The output transport reported how much of a reply was heard."""
        reply = self._replies.get(report.response_id)
        if reply is not None:
            reply.played = report
        return reply

    def new_session(self) -> None:
        """The provider session was replaced: its replies stop, their items are gone."""
        self.session += 1
        for reply in self._replies.values():
            reply.active = False

    def live(self, now_ns: int) -> list[ReplyAudio]:
        """Replies being generated, or emitted and perhaps still playing (not cut)."""
        return [r for r in self._replies.values() if not r.cut and self._is_live(r, now_ns)]

    def _is_live(self, reply: ReplyAudio, now_ns: int) -> bool:
        if reply.active:
            return True
        if reply.first_emit_at is None or reply.finished:
            return False
        if reply.played is not None:
            return False
        return now_ns < reply.first_emit_at + reply.emitted_ns + self.tail_ns

    def cut(self, now_ns: int) -> list[ReplyAudio]:
        """Interruption: every live reply is cut; returns them."""
        cut = self.live(now_ns)
        for reply in cut:
            reply.cut, reply.cut_active, reply.cut_at = True, reply.active, now_ns
        return cut

    def estimate_played(self, reply: ReplyAudio, now_ns: int) -> int:
        """Audio heard when no report came: emitted minus what playout had not reached.

        Playout is taken as real time from the first emitted chunk, up to the cut (or
        `now_ns` for a reply not cut).
        """
        if reply.first_emit_at is None:
            return 0
        end = reply.cut_at if reply.cut_at is not None else now_ns
        return max(0, min(reply.emitted_ns, end - reply.first_emit_at))

    def truncation_points(self, reply: ReplyAudio, played_ns: int) -> list[tuple[str, int]]:
        """(item id, audio_end_ms) to send for a reply heard up to `played_ns`.

        An item the user heard completely is left alone, unless the provider was still
        generating it (its audio may be longer than what arrived here). Items of an older
        provider session are left alone too: that session is gone.
        """
        points: list[tuple[str, int]] = []
        if reply.session != self.session:
            return points
        start = 0
        for item_id, audio_ns in reply.items:
            within = min(max(0, played_ns - start), audio_ns)
            if within < audio_ns or reply.cut_active:
                points.append((item_id, within // 1_000_000))
            start += audio_ns
        return points

    def _trim(self) -> None:
        while len(self._replies) > _KEEP:
            oldest = next(iter(self._replies))
            del self._replies[oldest]
