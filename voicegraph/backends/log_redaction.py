"""SecretRedactor: takes every configured secret out of log lines before they are written."""

from __future__ import annotations

import re
import urllib.parse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MASK = "***"
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|DSN|_URL)", re.IGNORECASE)
_MIN_LEN = 6
"""Shorter values are not masked: "redis", "1", "true" would mask ordinary words."""
_PATTERNS = (
    re.compile(r"(?P<keep>://[^:/@\s]*:)[^@\s/]+(?=@)"),  # a URL's password
    re.compile(r"(?P<keep>(?i:authorization)['\"]?\s*[:=]\s*['\"]?(?i:bearer|basic)\s+)[^\s'\",]+"),
    re.compile(r"(?P<keep>(?i:bearer)\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?P<keep>[?&](?i:token|access_token|api_key|key|signature)=)[^&\s'\"]+"),
)


def secret_values(env: Mapping[str, str]) -> set[str]:
    """The secret values in an environment: every value of a variable named like a secret
    (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*AUTH*`, `*_URL`), each part of a
    token list (`VOICEGRAPH_AUTH_TOKENS="t1=alice,t2=bob:scope"` gives `t1` and `t2`
    too), and the password of every URL with one (a Redis `url_env`)."""
    found: set[str] = set()
    for name, value in env.items():
        for password in _url_passwords(value):
            found.add(password)
        if not _SECRET_NAME.search(name) or value.startswith(("/", "./")) or "://" in value:
            continue
        found.add(value)
        for entry in value.split(","):
            found.add(entry.strip().partition("=")[0].strip())
    return {v for v in found if len(v) >= _MIN_LEN}


def _url_passwords(value: str) -> Iterable[str]:
    if "://" not in value or "@" not in value:
        return ()
    try:
        password = urllib.parse.urlsplit(value.strip()).password
    except ValueError:
        return ()
    return (password, urllib.parse.unquote(password)) if password else ()


class SecretRedactor:
    """Replaces secrets in a formatted log line with `***`.

    Handles one formatted line (message, arguments and traceback together); masks the
    known values (longest first, so a value containing another is masked whole) and the
    shapes of secrets whatever their value: a URL's password, a bearer token, a
    `token=`/`key=`/`signature=` query parameter. Costs one pass per known value per
    line, off the audio path (logging only).

    Args:
        values: the secret values to mask (see `secret_values`).
    """

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values = sorted({v for v in values if v}, key=len, reverse=True)

    def __call__(self, line: str) -> str:
        """`line` with every secret masked."""
        for value in self._values:
            if value in line:
                line = line.replace(value, MASK)
        for pattern in _PATTERNS:
            line = pattern.sub(lambda m: m.group("keep") + MASK, line)
        return line
