"""set_jitter_prefetch: how many packets aiortc's audio receiver holds back before decoding."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("voicegraph.transports.webrtc")

_ATTR = "_RTCRtpReceiver__jitter_buffer"


def set_jitter_prefetch(receiver: Any, packets: int) -> bool:
    """Make `receiver` release each audio packet after `packets` later ones (aiortc: 4).

    aiortc's audio jitter buffer is not a playout buffer: it hands a packet to the
    decoder once `prefetch` newer packets have arrived, only so that reordered packets
    can slot in. Each prefetched packet is 20 ms of delay before the graph hears the
    user; a server has no playout clock to protect, so 1 (20 ms, the least the buffer
    allows) suits loopback and LAN, and 2 tolerates one packet of reordering. aiortc
    has no option for it, so this replaces the receiver's buffer before any packet
    arrives; if aiortc's internals change, it leaves the receiver alone and returns False.

    Args:
        receiver: an `aiortc.RTCRtpReceiver` of kind audio, not yet receiving.
        packets: packets held back (>= 1).
    """
    from aiortc.jitterbuffer import JitterBuffer

    current = getattr(receiver, _ATTR, None)
    if not isinstance(current, JitterBuffer) or packets < 1:
        log.debug("cannot set the jitter buffer prefetch of %r", receiver)
        return False
    setattr(receiver, _ATTR, JitterBuffer(capacity=current.capacity, prefetch=packets))
    return True
