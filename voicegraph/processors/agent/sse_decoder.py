"""SSEDecoder: an I/O-free Server-Sent Events decoder (WHATWG rules, as the OpenAI SDK reads them)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event: the `event` name ("" for the default) and its joined `data`."""

    data: str
    event: str = ""
    id: str | None = None
    retry_ms: int | None = None


class SSEDecoder:
    """Turns a byte stream into `SSEEvent`s, in any chunking.

    Handles: bytes in arbitrary pieces (UTF-8 sequences and CRLF pairs may be split).
    Emits: one `SSEEvent` per blank-line-terminated event with a non-empty data buffer.
    Comment lines (`:` first) and unknown fields are ignored; several `data:` lines are
    joined with `\\n`; one space after the colon is stripped. Latency: none beyond the
    end of the event's blank line. `close()` discards an unterminated event, as the spec
    says an event is dispatched only at a blank line.
    """

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._buf = ""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Decode `chunk` and return the events it completes."""
        self._buf += self._text.decode(chunk)
        events: list[SSEEvent] = []
        while True:
            cut = _line_end(self._buf)
            if cut is None:
                return events
            start, end = cut
            line, self._buf = self._buf[:start], self._buf[end:]
            event = self._line(line)
            if event is not None:
                events.append(event)

    def close(self) -> list[SSEEvent]:
        """End of stream: flush the decoder. An event without its blank line is dropped."""
        self._buf += self._text.decode(b"", final=True)
        events: list[SSEEvent] = []
        if self._buf.endswith("\r"):  # a lone CR at EOF still ends its line
            event = self._line(self._buf[:-1])
            if event is not None:
                events.append(event)
        self._buf = ""
        self._data = []
        return events

    def _line(self, line: str) -> SSEEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> SSEEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return SSEEvent(data="\n".join(data), event=event, id=self._id, retry_ms=self._retry)


def _line_end(buf: str) -> tuple[int, int] | None:
    """Where the first complete line ends: (end of text, start of next line), or None."""
    lf, cr = buf.find("\n"), buf.find("\r")
    if cr == -1 or (lf != -1 and lf < cr):
        return None if lf == -1 else (lf, lf + 1)
    if cr + 1 == len(buf):
        return None  # a CR at the edge may be the first half of a CRLF: wait for more
    return (cr, cr + 2) if buf[cr + 1] == "\n" else (cr, cr + 1)
