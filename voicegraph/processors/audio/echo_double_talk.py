"""DoubleTalkBypass: lets the raw microphone through when it is louder than any echo could be.

Issue 19. WebRTC AEC3 leaves the user's voice almost untouched when it has found an echo
path, but when the microphone carries no echo it can detect (a headset, a phone that
cancels echo itself, echo under the noise floor) it treats near-end speech as possible
echo and suppresses it by 5-20 dB while the bot speaks, and Silero then misses the
barge-in (benchmarks/barge_in_rooms.py, `no_echo`). A room's echo is quieter than what
was played (the brief's rooms: -10 to -30 dB), so a microphone block louder than the
loudest recently played block minus `margin_db` is not echo alone: the user is
speaking, and the raw block goes on instead of the cancelled one.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from numpy.typing import NDArray


def block_db(x: NDArray[np.int16]) -> float:
    """Mean power of an int16 block in dB (int16 units squared, +1 so silence is 0 dB)."""
    return float(10.0 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1.0))


class DoubleTalkBypass:
    """Chooses, per block, the cancelled or the raw microphone.

    I/O-free. `choose(near, far, cleaned)` remembers the far block's level for
    `span_blocks` blocks (the echo path's delay and reverb tail: 40 blocks of 10 ms)
    and returns `near` when it is louder than the loudest of them minus `margin_db`,
    else `cleaned`. With the bot silent every block passes raw.

    Args:
        margin_db: how far under the played level an echo is assumed to stay (6 dB).
        span_blocks: how many far blocks back the loudest is taken from.

    Raises:
        VoiceError: `invalid_config` (negative margin, span under 1).
    """

    def __init__(self, *, margin_db: float = 6.0, span_blocks: int = 40) -> None:
        if margin_db < 0 or span_blocks < 1:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "double-talk bypass: margin_db >= 0, span_blocks >= 1")
        self.margin_db = margin_db
        self._far: deque[float] = deque(maxlen=span_blocks)
        self.bypassed = 0
        """Blocks that went on raw while the bot's audio was in the span."""

    def choose(
        self, near: NDArray[np.int16], far: NDArray[np.int16], cleaned: NDArray[np.int16]
    ) -> NDArray[np.int16]:
        """`near` or `cleaned` for this block (see the class docstring)."""
        self._far.append(block_db(far))
        loudest = max(self._far)
        if block_db(near) > loudest - self.margin_db:
            self.bypassed += loudest > 0.0
            return near
        return cleaned
