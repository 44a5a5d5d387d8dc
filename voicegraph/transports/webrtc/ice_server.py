"""IceServer: one STUN or TURN server for WebRTC sessions (none by default: offline)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Sequence

_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


@dataclass(frozen=True, slots=True)
class IceServer:
    """A STUN or TURN server, as in the browser's `RTCIceServer`.

    The transport uses none unless given some, so a session on one machine or a LAN
    never reaches out (aiortc would otherwise add a public STUN server by itself).

    Raises:
        VoiceError: (invalid_config) no URL, or a URL that is not stun:/stuns:/turn:/turns:.
    """

    urls: tuple[str, ...]
    """Server URLs, e.g. ("turn:turn.example.org:3478?transport=udp",)."""
    username: str | None = None
    """TURN user name."""
    credential: str | None = field(default=None, repr=False)
    """TURN password."""

    def __post_init__(self) -> None:
        if isinstance(self.urls, str):
            object.__setattr__(self, "urls", (self.urls,))
        if not self.urls:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "an ICE server needs at least one URL")
        for url in self.urls:
            if not url.startswith(_SCHEMES):
                raise VoiceError(ErrorCode.INVALID_CONFIG, f"ICE server URL {url!r} is not stun: or turn:")

    @classmethod
    def parse(cls, value: str | dict[str, Any]) -> IceServer:
        """An ICE server from a URL or a dict like the browser's (`urls`, `username`, `credential`).

        Raises:
            VoiceError: (invalid_config) a malformed entry.
        """
        if isinstance(value, str):
            return cls((value,))
        urls = value.get("urls")
        if isinstance(urls, str):
            urls = [urls]
        if not isinstance(urls, list | tuple) or not all(isinstance(u, str) for u in urls):
            raise VoiceError(ErrorCode.INVALID_CONFIG, "ICE server 'urls' must be a string or a list of them")
        return cls(tuple(urls), value.get("username"), value.get("credential"))

    def to_browser(self) -> dict[str, Any]:
        """The `RTCIceServer` dict handed to the web page."""
        out: dict[str, Any] = {"urls": list(self.urls)}
        if self.username is not None:
            out["username"] = self.username
        if self.credential is not None:
            out["credential"] = self.credential
        return out


def parse_ice_servers(values: Sequence[IceServer | str | dict[str, Any]]) -> tuple[IceServer, ...]:
    """Normalise a configured list of ICE servers.

    Raises:
        VoiceError: (invalid_config) a malformed entry.
    """
    return tuple(v if isinstance(v, IceServer) else IceServer.parse(v) for v in values)
