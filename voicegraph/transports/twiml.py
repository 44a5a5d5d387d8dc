"""TwiML for Twilio's voice webhook: `<Connect><Stream>` that connects a call to our stream."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    from collections.abc import Mapping


def render_twiml(stream_url: str, parameters: Mapping[str, str] | None = None) -> str:
    """The TwiML answer that streams a call, both ways, to `stream_url`.

    Args:
        stream_url: the `wss://` URL of the stream (Twilio allows no query string; pass
            data as `parameters`, which arrive in the start message's customParameters).
        parameters: `<Parameter name value>` pairs.
    """
    params = "".join(
        f"<Parameter name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in (parameters or {}).items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Connect><Stream url={quoteattr(stream_url)}>{params}</Stream></Connect></Response>"
    )
