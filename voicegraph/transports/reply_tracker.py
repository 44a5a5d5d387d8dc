"""ReplyTracker: what one bot reply wrote, when it played, and which words were heard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.frames.system import ReplyPlayedFrame
from voicegraph.processors.tts.word_timing import TextWords

if TYPE_CHECKING:
    from voicegraph.transports.playout_chunker import PlayoutChunk


class ReplyTracker:
    """Accounts one bot reply on its own timeline (ns of reply audio from its start).

    I/O-free. The playout records each chunk as it is written (`on_chunk`) with the
    clock time it starts playing; `played_at(t)` is then exact for a medium that plays
    what it is given at once (the pacing guarantees no backlog). A medium that echoes
    marks confirms positions with `confirm`, a lower bound that does not trust the clock.

    Text: a segment with word timings counts the words that started before the cut,
    spelled as the text they came with spells them (`TextWords`: engines drop
    punctuation or repeat pieces of numbers);
    a segment without them spans up to the next segment (or the reply's end) and counts
    its words in proportion to how much of that span was played. A text's timed words
    may come on later chunks than the text (its first word starts after the chunk the
    text opens, e.g. behind a long lead-in): the text then stands untimed only until its
    first timed words arrive, which replace it, and words of it already handed out as
    untimed are not handed out again.

    Args:
        response_id: id from `ResponseStartFrame`, or "" for a reply without markers.
        seq: sequence number of the reply within the session (names its marks).
        explicit: opened by a `ResponseStartFrame` (so only `ResponseEndFrame` closes it).
    """

    def __init__(self, response_id: str = "", *, seq: int = 0, explicit: bool = False) -> None:
        self.response_id = response_id
        self.seq = seq
        self.explicit = explicit
        self.written_ns = 0
        """Reply audio handed to the medium."""
        self.confirmed_ns = 0
        """Reply audio the medium confirmed as played (marks)."""
        self.last_mark_ns = 0
        """Reply position of the last mark sent."""
        self._last_start = 0
        self._last_dur = 0
        # (start, untimed text, timed words, how many of the timed words were handed out
        # already, as the untimed text they replaced)
        self._segments: list[tuple[int, str, tuple[tuple[str, float], ...], int]] = []
        self._spelling: TextWords | None = None  # the text whose timed words come in now
        self._untimed: int | None = None  # index of the current text's untimed segment
        self._handed = 0  # words of the current text handed out untimed, not yet timed
        self._cursor = (0, 0)  # (segment, word) of the first word not yet handed out
        self.words_out = 0
        """Words handed out by `words_started` so far."""

    def on_chunk(self, chunk: PlayoutChunk, start_ns: int) -> None:
        """Record `chunk` as written, starting to play at clock time `start_ns`."""
        for t in chunk.texts:
            start = self.written_ns + t.offset_ns
            if t.text:
                self._spelling = TextWords(t.text)
                self._untimed, self._handed = None, 0
            if t.word_times_ms:  # timed: the words count, spelled as the text spells them
                self._time_untimed()
                words = self._spelling.spell(t.word_times_ms) if self._spelling else t.word_times_ms
                done = min(self._handed, len(words))
                self._handed -= done
                self._segments.append((start, "", words, done))
            elif t.text:
                self._untimed = len(self._segments)
                self._segments.append((start, t.text, (), 0))
        self._last_start = start_ns
        self._last_dur = chunk.duration_ns
        self.written_ns += chunk.duration_ns

    def _time_untimed(self) -> None:
        """Timed words of the current text came: its untimed segment no longer counts."""
        i, self._untimed = self._untimed, None
        if i is None:
            return
        start, text, _, _ = self._segments[i]
        self._segments[i] = (start, "", (), 0)
        if self._cursor[0] > i:  # handed out already: its timed twins are not, again
            self._handed = len(text.split())

    def words_started(self, position_ns: int) -> list[str]:
        """The words whose audio starts before `position_ns`, not handed out before.

        Timed segments give their words one by one; a segment without timing gives all
        its words once its audio starts. In reply order, each word once.
        """
        out: list[str] = []
        seg, word = self._cursor
        while seg < len(self._segments):
            start, text, timed, done = self._segments[seg]
            if timed:
                while word < len(timed) and start + int(timed[word][1] * 1_000_000) < position_ns:
                    if word >= done:
                        out.append(timed[word][0])
                    word += 1
                if word < len(timed):
                    break
            elif start < position_ns:
                out += text.split()
            else:
                break
            seg, word = seg + 1, 0
        self._cursor = (seg, word)
        self.words_out += len(out)
        return out

    def played_at(self, now_ns: int) -> int:
        """Reply audio played by clock time `now_ns` (the last chunk may be partly played)."""
        partial = min(max(now_ns - self._last_start, 0), self._last_dur)
        return self.written_ns - self._last_dur + partial

    def confirm(self, position_ns: int) -> None:
        """The medium confirmed playout up to `position_ns`."""
        self.confirmed_ns = max(self.confirmed_ns, min(position_ns, self.written_ns))

    def text_played(self, played_ns: int, total_ns: int) -> str:
        """The words of this reply heard within the first `played_ns` of its audio."""
        words: list[str] = []
        segs = self._segments
        for i, (start, text, timed, _) in enumerate(segs):
            if start >= played_ns:
                break
            if timed:
                words += [w for w, ms in timed if start + int(ms * 1_000_000) < played_ns]
                continue
            end = segs[i + 1][0] if i + 1 < len(segs) else max(total_ns, self.written_ns)
            split = text.split()
            if played_ns >= end or end <= start:
                words += split
            else:
                words += split[: len(split) * (played_ns - start) // (end - start)]
        return " ".join(words)

    def report(self, *, played_ns: int, total_ns: int, interrupted: bool) -> ReplyPlayedFrame:
        """The upstream report for this reply."""
        played = max(0, min(played_ns, self.written_ns))
        total = max(total_ns, self.written_ns)
        return ReplyPlayedFrame(
            response_id=self.response_id,
            played_ns=played,
            total_ns=total,
            text_played=self.text_played(played, total),
            interrupted=interrupted,
        )
