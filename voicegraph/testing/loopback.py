"""Loopback checks: the fault proxies only ever listen on, and connect to, this machine."""

from __future__ import annotations

import ipaddress

from voicegraph.framework.errors import ErrorCode, VoiceError


def require_loopback(host: str, what: str) -> str:
    """Return `host` when it is a loopback address (or `localhost`), else refuse it.

    Args:
        host: a host name or IP address.
        what: what the host is for, named in the error (`listen`, `upstream`).

    Raises:
        VoiceError: (invalid_config) the host is not loopback.
    """
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise VoiceError(ErrorCode.INVALID_CONFIG, f"fault proxy {what} host must be loopback, not {host!r}")
