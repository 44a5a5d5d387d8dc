"""System frames: lifecycle, interruption, speaking events, errors and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from voicegraph.framework.frames.base import Direction, SystemFrame

if TYPE_CHECKING:
    from voicegraph.framework.errors import VoiceError


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelFrame(SystemFrame):
    """Stop at once: no drain. The runtime cancels every task of the graph."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class InterruptRequestFrame(SystemFrame):
    """Asks for an interruption. Travels upstream to the graph's head(s)."""

    direction: ClassVar[Direction] = Direction.UP
    reason: str = ""
    seen_epoch: int = -1
    """Graph epoch when the request was raised; a later epoch means already served."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InterruptFrame(SystemFrame):
    """The interruption itself, broadcast to every node once; starts `new_epoch`."""

    new_epoch: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserStartedSpeakingFrame(SystemFrame):
    """VAD decided the user started speaking; `speech_start_ns` is when speech began."""

    direction: ClassVar[Direction] = Direction.BOTH
    speech_start_ns: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class UserStoppedSpeakingFrame(SystemFrame):
    """VAD decided the user stopped speaking; `speech_end_ns` is when speech ended."""

    direction: ClassVar[Direction] = Direction.BOTH
    speech_end_ns: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class BotStartedSpeakingFrame(SystemFrame):
    """The output transport started playing bot audio."""

    direction: ClassVar[Direction] = Direction.BOTH


@dataclass(frozen=True, slots=True, kw_only=True)
class BotStoppedSpeakingFrame(SystemFrame):
    """The output transport finished (or was cut off) playing bot audio."""

    direction: ClassVar[Direction] = Direction.BOTH


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorFrame(SystemFrame):
    """A node failed. Also published on the graph bus."""

    direction: ClassVar[Direction] = Direction.BOTH
    error: VoiceError
    fatal: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsFrame(SystemFrame):
    """Named measurements from a node (e.g. ttfb_ms)."""

    direction: ClassVar[Direction] = Direction.BOTH
    node: str = ""
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class QoSFrame(SystemFrame):
    """Upstream report from a sink that playout is late by `lateness_ns`."""

    direction: ClassVar[Direction] = Direction.UP
    lateness_ns: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyPlayedFrame(SystemFrame):
    """Upstream report from the output side: how much of the bot's reply the user heard.

    Sent when a reply finishes or is cut off, so context keeps only what was played.
    """

    direction: ClassVar[Direction] = Direction.UP
    response_id: str = ""
    played_ns: int = 0
    """Audio actually played out, in ns."""
    total_ns: int = 0
    """Audio the reply had queued, in ns."""
    text_played: str = ""
    """Words played, where the TTS gave timing (else the text of whole played chunks)."""
    interrupted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyHoldFrame(SystemFrame):
    """A reply is being prepared before the user's turn is confirmed (preemptive generation).

    A `ReplyGate` downstream holds the reply's frames from now on, until a
    `TurnConfirmedFrame` with the same `turn` releases them or an interruption drops them.
    """

    turn: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnConfirmedFrame(SystemFrame):
    """The user's turn `turn` has ended for certain: a reply held for it may play."""

    turn: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechOnsetFrame(SystemFrame):
    """The VAD heard speech while the user was quiet, before deciding it is speech.

    `heard=True` when the first speech window arrives (a `UserStartedSpeakingFrame`
    follows once it lasts `start_secs`); `heard=False` when it faded without one. A turn
    detector holds a turn end while an onset is open: the user may be speaking again.
    """

    direction: ClassVar[Direction] = Direction.BOTH
    heard: bool = True
    onset_ns: int = 0
    """Graph-clock time the speech began."""
