"""Checks that a request really comes from Vapi (server URL) or the Vapi custom-LLM caller."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Mapping


def _same(a: str, b: str) -> bool:
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def bearer(headers: Mapping[str, str]) -> str:
    """The `Authorization: Bearer` token, or ''."""
    value = headers.get("Authorization", "")
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


def signature(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body (Vapi's HMAC credential, body-only payload)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_webhook(headers: Mapping[str, str], body: bytes, *, secret: str, hmac_secret: str = "") -> None:
    """Accept `X-Vapi-Secret: <secret>`, `Authorization: Bearer <secret>`, or (with an
    `hmac_secret`) `x-vapi-signature: <hex HMAC-SHA256 of the body>` (`sha256=` prefix allowed).

    Raises:
        VoiceError: (authentication_failed) none of them matches.
    """
    if _same(headers.get("X-Vapi-Secret", ""), secret) or _same(bearer(headers), secret):
        return
    given = headers.get("X-Vapi-Signature", "").removeprefix("sha256=")
    if hmac_secret and _same(given, signature(hmac_secret, body)):
        return
    raise VoiceError(ErrorCode.AUTHENTICATION_FAILED, "missing or invalid Vapi secret or signature")


def check_bearer(headers: Mapping[str, str], key: str) -> None:
    """The custom-LLM credential: `Authorization: Bearer <key>`.

    Raises:
        VoiceError: (authentication_failed) missing or wrong.
    """
    if not _same(bearer(headers), key):
        raise VoiceError(ErrorCode.AUTHENTICATION_FAILED, "missing or invalid bearer key")
