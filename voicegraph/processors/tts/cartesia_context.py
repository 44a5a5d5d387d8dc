"""CartesiaContext: one Cartesia TTS context (one reply); ContextTable: the live ones.

It remembers the texts sent on the context and turns the server's `chunk` audio and
`timestamps` into `TTSAudioFrame` fields: each piece of audio carries the words whose
timestamp starts in it (ms offset within the piece) and, where a text's first word
starts, that text (so the output's played-words report spells words as the text does).
A chunk is split where a new text's first word starts, so one piece never mixes two
texts' words. Without timestamps, each text rides on the first chunk after it was sent.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SpeechPiece:
    """A piece of one chunk's audio and the text that starts in it."""

    data: bytes
    text: str = ""
    words: tuple[tuple[str, float], ...] = ()


@dataclass
class CartesiaContext:
    """State of one context: id, epoch it belongs to, texts and audio position."""

    cid: str
    rate: int
    epoch: int
    opened_at: float
    """When the context was opened (monotonic seconds)."""
    last_input: float = 0.0
    """When text was last sent on it (monotonic seconds)."""
    cancelled: bool = False
    error: str = ""
    closing: bool = False
    texts: list[str] = field(default_factory=list)
    sent_times: list[float] = field(default_factory=list)
    """When each text was sent (monotonic seconds)."""
    last_audio: float = 0.0
    """When its last chunk arrived (monotonic seconds; 0 before any)."""
    successor: CartesiaContext | None = None
    recovered: bool = False
    """It took over from a failed context (which happens once per reply)."""
    """The context that took over its texts after a service error (see `lost_texts`)."""
    samples: int = 0
    """Audio samples handed out so far."""
    chunks: int = 0
    _firsts: dict[int, int] = field(default_factory=dict)  # word index -> text index it opens
    _words_sent: int = 0
    _unannounced: list[int] = field(default_factory=list)  # texts not yet put on a chunk
    _pending: list[tuple[int, str, int]] = field(default_factory=list)  # (index, word, start sample)
    _seen_words: int = 0

    def add_text(self, text: str, now: float) -> None:
        """Record a text sent on the context."""
        self._firsts[self._words_sent] = len(self.texts)
        self._words_sent += len(text.split())
        self._unannounced.append(len(self.texts))
        self.texts.append(text)
        self.sent_times.append(now)
        self.last_input = now

    def lost_texts(self) -> list[str]:
        """The texts sent after the last audio arrived: those a failed context never spoke."""
        return [t for t, at in zip(self.texts, self.sent_times, strict=True) if at > self.last_audio]

    def add_timestamps(self, words: list[str], starts: list[float]) -> None:
        """Record word timestamps (seconds from the context's first audio)."""
        for word, start in zip(words, starts, strict=False):
            self._pending.append((self._seen_words, word, round(start * self.rate)))
            self._seen_words += 1

    def place(self, pcm: bytes, *, timed: bool) -> list[SpeechPiece]:
        """Split one chunk of s16 audio into pieces with their words and texts."""
        n = len(pcm) // 2
        a, b = self.samples, self.samples + n
        self.samples, self.chunks = b, self.chunks + 1
        if not timed:
            text = " ".join(self.texts[i] for i in self._unannounced)
            self._unannounced.clear()
            return [SpeechPiece(pcm, text)]
        here = [w for w in self._pending if w[2] < b]
        self._pending = [w for w in self._pending if w[2] >= b]
        at = [max(w[2], a) for w in here]  # late words count from the chunk's start
        # cut where a text begins after words of an earlier one (one text's words per piece)
        cuts = sorted({t for w, t in zip(here, at, strict=True) if w[0] in self._firsts and t > min(at)})
        bounds = [a, *cuts, b]
        pieces: list[SpeechPiece] = []
        for lo, hi in itertools.pairwise(bounds):
            inside = [w for w in here if (max(w[2], a) >= lo and max(w[2], a) < hi)]
            texts = [self.texts[self._firsts[w[0]]] for w in inside if w[0] in self._firsts]
            words = tuple((w[1], max(0, w[2] - lo) * 1000 / self.rate) for w in inside)
            data = pcm[(lo - a) * 2 : (hi - a) * 2]
            pieces.append(SpeechPiece(data, " ".join(texts), words))
        return pieces


class ContextTable:
    """The live contexts of one `CartesiaTTS`: by id, each with the event its reply's end
    waits on. A released context is gone: any later message with its id is stale."""

    def __init__(self) -> None:
        self._by_id: dict[str, CartesiaContext] = {}
        self._done: dict[str, asyncio.Event] = {}

    def open(self, *, rate: int, epoch: int, now: float, closing: bool = False) -> CartesiaContext:
        """A new live context with a fresh id."""
        ctx = CartesiaContext(cid=str(uuid.uuid4()), rate=rate, epoch=epoch, opened_at=now, closing=closing)
        self._by_id[ctx.cid] = ctx
        self._done[ctx.cid] = asyncio.Event()
        return ctx

    def get(self, cid: object) -> CartesiaContext | None:
        """The live context of that id (None: unknown, released or cancelled)."""
        return self._by_id.get(str(cid))

    def live(self) -> list[CartesiaContext]:
        """Every live context (an open reply and any still finishing)."""
        return list(self._by_id.values())

    def done_event(self, ctx: CartesiaContext) -> asyncio.Event | None:
        """What the end of `ctx`'s reply waits on (None once released)."""
        return self._done.get(ctx.cid)

    def take_over(self, old: CartesiaContext, new: CartesiaContext) -> None:
        """`new` takes `old`'s place: its reply's end now waits on `new`; `old` is gone."""
        event = self._done.pop(old.cid, None)
        if event is not None:
            self._done[new.cid] = event
        self._by_id.pop(old.cid, None)
        old.successor = new

    def release(self, ctx: CartesiaContext) -> None:
        """Forget `ctx` and those that took over from it; wake whoever waits on them."""
        chain: CartesiaContext | None = ctx
        while chain is not None:
            self._by_id.pop(chain.cid, None)
            event = self._done.pop(chain.cid, None)
            if event is not None:
                event.set()
            chain = chain.successor
