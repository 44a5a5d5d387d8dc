"""UnansweredAudio: the audio sent to a streaming STT that no final result has covered yet."""

from __future__ import annotations

from collections import deque


class UnansweredAudio:
    """Keeps each chunk sent on the current connection until a final result covers it.

    Deepgram reports each final result's span in stream seconds (`start + duration`,
    from the connection's first byte); `answered(end_s)` forgets the chunks that end by
    then. When the socket drops, `replay()` gives the rest, to send again on the new
    connection, whose stream time starts at zero. At most `max_bytes` are kept (the
    oldest go first): a session streaming silence for an hour keeps only the tail.
    I/O-free; not thread-safe.

    Args:
        bytes_per_s: the stream's byte rate (32000 for 16 kHz mono s16).
        max_bytes: most bytes kept.
    """

    def __init__(self, *, bytes_per_s: int, max_bytes: int) -> None:
        self._rate = bytes_per_s
        self._max = max_bytes
        self._chunks: deque[bytes] = deque()
        self._base = 0  # stream offset of the first kept chunk
        self._kept = 0

    @property
    def kept_bytes(self) -> int:
        """Bytes waiting for a final result."""
        return self._kept

    @property
    def stream_s(self) -> float:
        """Stream time of everything sent on the connection."""
        return (self._base + self._kept) / self._rate

    def sent(self, data: bytes) -> None:
        """A chunk went out on the connection."""
        self._chunks.append(data)
        self._kept += len(data)
        while self._kept > self._max and len(self._chunks) > 1:
            self._drop_first()

    def answered(self, end_s: float) -> None:
        """A final result covered the stream up to `end_s` seconds."""
        end = round(end_s * self._rate)
        while self._chunks and self._base + len(self._chunks[0]) <= end:
            self._drop_first()

    def replay(self) -> list[bytes]:
        """The unanswered chunks, in order; they count from stream offset 0 again."""
        self._base = 0
        return list(self._chunks)

    def clear(self) -> None:
        """Forget everything (the stream offset goes on)."""
        while self._chunks:
            self._drop_first()

    def _drop_first(self) -> None:
        chunk = self._chunks.popleft()
        self._base += len(chunk)
        self._kept -= len(chunk)
