"""TwilioSignature: checks the X-Twilio-Signature of Twilio's webhooks and Media Streams handshakes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

HEADER = "x-twilio-signature"
"""The header Twilio signs its requests with (lower case, as headers are kept)."""
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def twilio_signature(token: str, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """Twilio's signature of a request: base64 HMAC-SHA1, keyed with the account's auth
    token, of the full URL (query included) followed by each POST parameter's name and
    value, sorted by name (then value; a repeated name and value counts once, as in
    Twilio's own validators). A GET or a WebSocket handshake signs the URL alone.
    """
    data = url + "".join(k + v for k, v in sorted(set(params)))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """`url`, and the same with its default port added or removed (Twilio's own validators
    accept both: a proxy may or may not keep `:443` in the Host it passes on)."""
    parts = urllib.parse.urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme.lower())
    variants = [url]
    if default is None or parts.hostname is None:
        return variants
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port is None:
        variants.append(urllib.parse.urlunsplit(parts._replace(netloc=f"{host}:{default}")))
    elif parts.port == default:
        variants.append(urllib.parse.urlunsplit(parts._replace(netloc=host)))
    return variants


class TwilioSignature:
    """Validates X-Twilio-Signature with the account's auth token, in constant time.

    Handles one request's URL candidates (the URL Twilio was given may differ from what
    the server sees behind a proxy: pass each plausible one), its POST form parameters
    and its signature header; raises on a mismatch, emits nothing. Cost: one HMAC-SHA1
    per candidate URL, microseconds, once per call (never on the audio path).

    Args:
        token: the Twilio account's auth token (`TWILIO_AUTH_TOKEN`).
    """

    def __init__(self, token: str) -> None:
        if not token:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "Twilio signature checks need an auth token")
        self._token = token

    def check(self, urls: Sequence[str], signature: str, params: Iterable[tuple[str, str]] = ()) -> None:
        """Accept the request if `signature` signs one of `urls` (with `params`).

        Raises:
            VoiceError: (authentication_failed) no signature, or it signs none of them.
        """
        if signature:
            pairs = list(params)
            for url in urls:
                for variant in _url_variants(url):
                    expected = twilio_signature(self._token, variant, pairs)
                    if hmac.compare_digest(expected.encode(), signature.encode()):
                        return
        raise VoiceError(ErrorCode.AUTHENTICATION_FAILED, "missing or invalid X-Twilio-Signature")


def request_urls(
    headers: Mapping[str, str], target: str, *, secure: bool, public_url: str | None = None, ws: bool = False
) -> list[str]:
    """The URLs Twilio may have signed for a request to `target` (path and query).

    `public_url` (the server's public base) is tried first when given; then the Host
    header with the scheme the request came over (`X-Forwarded-Proto` from a proxy, else
    `secure`: the server terminates TLS). `ws` picks ws/wss instead of http/https.
    """
    urls: list[str] = []
    if public_url:
        scheme, _, rest = public_url.rstrip("/").partition("://")
        tls = scheme.lower() in ("https", "wss")
        urls.append(f"{_scheme(tls, ws)}://{rest}{target}")
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    tls = forwarded in ("https", "wss") if forwarded else secure
    host = headers.get("host", "")
    if host:
        urls.append(f"{_scheme(tls, ws)}://{host}{target}")
    return urls


def _scheme(tls: bool, ws: bool) -> str:
    return ("wss" if tls else "ws") if ws else ("https" if tls else "http")
