"""SessionOwner: which process runs a session, and whether that process is gone."""

from __future__ import annotations

import os
import secrets
import socket
import time
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from voicegraph.backends.session import Session


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SessionOwner:
    """The owner stamp a session manager writes on its records: `host:pid:nonce`.

    An active record is orphaned (its process crashed, so another may resume it) when its
    owner is on this host and that pid is gone, or is a closed manager of this process;
    for another host, when the record has not been refreshed for `lease_s` (live managers
    refresh their records every `lease_s / 3`).

    Args:
        lease_s: how long a record of another host stays owned without a refresh.
    """

    HOST: ClassVar[str] = socket.gethostname()
    _open_here: ClassVar[set[str]] = set()

    def __init__(self, lease_s: float = 30.0) -> None:
        self.id = f"{self.HOST}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lease_s = lease_s

    def open(self) -> None:
        """This manager is running (its records are not orphans)."""
        self._open_here.add(self.id)

    def close(self) -> None:
        """This manager stopped (its active records become resumable)."""
        self._open_here.discard(self.id)

    def orphaned(self, s: Session, running_here: bool) -> bool:
        """Whether active record `s` may be resumed by this process."""
        if running_here:
            return False
        host, _, rest = s.owner.partition(":")
        pid_s, _, _ = rest.partition(":")
        if host == self.HOST and pid_s.isdigit():
            if s.owner in self._open_here:
                return s.owner == self.id
            return int(pid_s) == os.getpid() or not _pid_alive(int(pid_s))
        return time.time() - s.updated_at > self.lease_s
