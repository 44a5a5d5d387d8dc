"""TwiML for Twilio's voice webhook: `<Connect><Stream>` that connects a call to our stream."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    from collections.abc import Mapping

WEBHOOK_FIELDS = {"CallSid": "call_sid", "From": "from", "To": "to", "Direction": "direction"}
"""Fields of Twilio's voice webhook passed on to the stream, by the parameter name used."""
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold at all, even escaped (control characters, U+FFFE/F)."""


def stream_url_for(
    host: str,
    stream_path: str,
    *,
    public_url: str | None = None,
    tls: bool = False,
    forwarded_proto: str | None = None,
) -> str:
    """The stream URL Twilio should connect to, with the scheme the server really speaks.

    `public_url` (the server's public base, `https://voice.example.com`) wins: `wss://`
    for https or wss, `ws://` for http or ws, its host and path prefix. Otherwise the
    request's host with `wss://` when the server terminates TLS or a proxy says the
    request came over https (`X-Forwarded-Proto`), else `ws://` (plain ws, e.g. a local
    test or a tunnel that forwards ws). Twilio itself only connects to `wss://` URLs.
    """
    if public_url:
        scheme, _, rest = public_url.partition("://")
        ws_scheme = "wss" if scheme.lower() in ("https", "wss") else "ws"
        return f"{ws_scheme}://{rest.rstrip('/')}{stream_path}"
    secure = tls or (forwarded_proto or "").split(",")[0].strip().lower() in ("https", "wss")
    return f"{'wss' if secure else 'ws'}://{host}{stream_path}"


def call_parameters(fields: Mapping[str, str]) -> dict[str, str]:
    """The webhook's call fields (who calls, which number) as stream parameters.

    They arrive in the stream's start message (customParameters), so session hooks can
    route on them (`ConnectRequest.params["from"]`). Values over 200 characters are cut.
    """
    return {name: fields[key][:200] for key, name in WEBHOOK_FIELDS.items() if fields.get(key)}


def render_twiml(stream_url: str, parameters: Mapping[str, str] | None = None) -> str:
    """The TwiML answer that streams a call, both ways, to `stream_url`.

    Args:
        stream_url: the `wss://` URL of the stream (Twilio allows no query string; pass
            data as `parameters`, which arrive in the start message's customParameters).
        parameters: `<Parameter name value>` pairs.
    """
    params = "".join(f"<Parameter name={_attr(k)} value={_attr(v)}/>" for k, v in (parameters or {}).items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Connect><Stream url={_attr(stream_url)}>{params}</Stream></Connect></Response>"
    )


def _attr(value: str) -> str:
    """`value` as a quoted XML attribute; characters XML cannot hold are dropped (a caller's
    `From` with a control character would otherwise make TwiML that Twilio refuses)."""
    return quoteattr(_NOT_XML.sub("", value))
