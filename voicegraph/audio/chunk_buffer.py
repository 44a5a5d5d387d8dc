"""ChunkBuffer: a byte FIFO that hands out fixed-size chunks and keeps the remainder."""

from __future__ import annotations


class ChunkBuffer:
    """Collects audio bytes and returns them in chunks of exactly `chunk_bytes`.

    Args:
        chunk_bytes: size of every chunk `pop_chunks` returns (> 0).
    """

    def __init__(self, chunk_bytes: int) -> None:
        if chunk_bytes <= 0:
            raise ValueError("chunk_bytes must be positive")
        self.chunk_bytes = chunk_bytes
        self._buf = bytearray()

    def __len__(self) -> int:
        return len(self._buf)

    def push(self, data: bytes) -> None:
        """Append `data` at the end."""
        self._buf += data

    def pop_chunks(self) -> list[bytes]:
        """Every whole chunk held, oldest first; the remainder stays."""
        n = len(self._buf) // self.chunk_bytes * self.chunk_bytes
        if n == 0:
            return []
        head = bytes(self._buf[:n])
        del self._buf[:n]
        size = self.chunk_bytes
        return [head[i : i + size] for i in range(0, n, size)]

    def pop_rest(self) -> bytes:
        """Whatever is held (shorter than one chunk after `pop_chunks`), emptying the buffer."""
        rest = bytes(self._buf)
        self._buf.clear()
        return rest

    def clear(self) -> None:
        """Forget everything held."""
        self._buf.clear()
