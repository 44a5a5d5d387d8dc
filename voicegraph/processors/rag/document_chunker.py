"""DocumentChunker: text and Markdown documents cut into passages of a bounded size."""

from __future__ import annotations

import re

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.rag.passage import Passage

_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class DocumentChunker:
    """Cuts a document into passages at paragraph boundaries, up to `max_chars` each.

    Paragraphs (blank-line separated) are packed together until the next would overflow;
    a paragraph longer than `max_chars` is cut at sentence ends (then hard, at worst).
    Markdown headings start a new passage, and each passage is prefixed with its nearest
    heading so a retrieved passage still says what it is about. I/O-free.

    Raises:
        VoiceError: (invalid_config) `max_chars` below 100.
    """

    def __init__(self, *, max_chars: int = 800) -> None:
        if max_chars < 100:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "max_chars must be at least 100")
        self.max_chars = max_chars

    def split(self, text: str, source: str = "") -> list[Passage]:
        """The passages of one document."""
        out: list[str] = []
        heading = ""
        current: list[str] = []

        def flush() -> None:
            if current:
                body = "\n\n".join(current)
                out.append(f"{heading}\n{body}" if heading and not body.startswith(heading) else body)
                current.clear()

        for para in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
            para = para.strip()
            if not para:
                continue
            match = _HEADING.match(para.splitlines()[0])
            if match:
                flush()
                heading = match.group(1).strip()
                rest = "\n".join(para.splitlines()[1:]).strip()
                if not rest:
                    continue
                para = rest
            for piece in self._pieces(para):
                if current and len("\n\n".join([*current, piece])) + len(heading) + 1 > self.max_chars:
                    flush()
                current.append(piece)
        flush()
        return [Passage(text=t, source=source) for t in out]

    def _pieces(self, para: str) -> list[str]:
        if len(para) <= self.max_chars:
            return [para]
        pieces: list[str] = []
        buf = ""
        for sentence in _SENTENCE_END.split(para):
            while len(sentence) > self.max_chars:
                pieces.append(sentence[: self.max_chars])
                sentence = sentence[self.max_chars :]
            if buf and len(buf) + 1 + len(sentence) > self.max_chars:
                pieces.append(buf)
                buf = sentence
            else:
                buf = f"{buf} {sentence}".strip()
        if buf:
            pieces.append(buf)
        return pieces
