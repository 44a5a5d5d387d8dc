"""open_websocket: the client handshake of a cloud node's WebSocket, failures as coded errors.

Shared by the Cartesia, Deepgram and realtime (S2S) sockets: `websockets` asyncio client,
per-message compression off (audio is PCM or base64; CPU and latency matter more than
bytes on a voice path), no proxy for a loopback host (so a local fake is reached even
with a proxy in the environment), the system proxy otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts reached without a proxy."""


async def open_websocket(
    url: str,
    headers: Mapping[str, str],
    *,
    refused: Callable[[int], VoiceError],
    who: str,
    reach: str,
    bad_url: str,
    open_timeout_s: float,
    max_size: int | None = 2**20,
    node: str | None = None,
) -> Any:
    """The open `websockets` client connection to `url`, handshake sent with `headers`.

    Args:
        refused: the error for an HTTP status that refused the upgrade.
        who: the service as named in "<who> handshake timed out".
        reach: the service as named in "cannot reach <reach>: ...".
        bad_url: what an unusable URL's message starts with (the field, or a phrase).
        open_timeout_s: handshake deadline.
        max_size: largest server message accepted (None: no limit).
        node: node name for errors.

    Raises:
        VoiceError: (missing_dependency) no `websockets`; `refused(status)` when the
            upgrade was refused; (invalid_config) a URL `websockets` cannot use;
            (connection_timeout, retriable) no answer in time; (connection_failed,
            retriable) the network failed.
    """
    try:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI
    except ImportError:
        raise missing_dependency("websocket", "websockets") from None
    host = urlsplit(url).hostname or ""
    try:
        return await connect(
            url, additional_headers=dict(headers), open_timeout=open_timeout_s, max_size=max_size,
            compression=None, proxy=None if host in LOOPBACK else True,
        )  # fmt: skip
    except InvalidStatus as exc:
        raise refused(exc.response.status_code) from exc
    except InvalidURI as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{bad_url}: {exc}", node=node) from exc
    except TimeoutError as exc:
        raise VoiceError(
            ErrorCode.CONNECTION_TIMEOUT, f"{who} handshake timed out", node=node, retriable=True
        ) from exc
    except (OSError, InvalidHandshake) as exc:
        raise VoiceError(ErrorCode.CONNECTION_FAILED, f"cannot reach {reach}: {exc}", node=node,
                         retriable=True) from exc  # fmt: skip
