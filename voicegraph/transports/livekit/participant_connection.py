"""ParticipantConnection: one LiveKit user's session link (their audio in, the agent's out)."""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.formats import AudioFormat
from voicegraph.framework.frames.audio import InputAudioFrame
from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.call import CallActionFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.call_action_event import call_action_event
from voicegraph.transports.connection import Connection
from voicegraph.transports.livekit.data_message_frame import DataMessageFrame
from voicegraph.transports.livekit.room_event_frame import RoomEvent, RoomEventFrame
from voicegraph.transports.livekit.transcription_writer import TranscriptionWriter

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.audio.stream_resampler import Quality, StreamResampler
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.livekit.agent_track import AgentTrack
    from voicegraph.transports.livekit.livekit_output import LiveKitOutput
    from voicegraph.transports.playout_options import PlayoutOptions

log = logging.getLogger("voicegraph.transports.livekit")

CALL_TOPIC = "voicegraph.call"
"""Topic of the data message that tells a user the agent hung up or transfers them."""
_PAUSE_NS = 100_000_000  # audio after this long without any starts a new stretch (a reply)


class ParticipantState(enum.StrEnum):
    """Where one participant's live connection stands (a backend's stored record: `SessionState`)."""

    ACTIVE = "active"
    """The user is in the room and the agent is connected."""
    AWAY = "away"
    """The user left or dropped; the session waits for them (rejoin grace)."""
    RECONNECTING = "reconnecting"
    """The agent lost the server and is reconnecting; the session keeps its graph."""
    ENDED = "ended"


@dataclass(slots=True)
class LinkStats:
    """Counters of one session's link."""

    frames_in: int = 0
    """User audio frames handed to the graph."""
    dropped_in: int = 0
    """Frames dropped because the graph fell behind (the oldest audio first)."""
    clears: int = 0
    """Barge-in clears of the agent's queued audio."""
    last_clear_ns: int = 0
    """`time.monotonic_ns()` of the last clear."""
    data_sent: int = 0
    data_received: int = 0
    audio_started_ns: int = 0
    """`time.monotonic_ns()` when agent audio last started after a pause (a reply's start)."""


class ParticipantConnection(Connection):
    """The link between one user participant and their session graph.

    Room side (called by `AgentRoom`): `feed_audio` takes the user's 48 kHz PCM from
    LiveKit, resamples it with soxr to `input_rate` and queues it as `InputAudioFrame`
    (a full queue drops its oldest audio, counted in `stats`); `feed` queues other frames
    (`DataMessageFrame`, `RoomEventFrame`); `set_state` records the session state and
    tells the graph with a `RoomEventFrame`. Graph side: `input()` (see `Connection`) and
    `output()`, a `LiveKitOutput` that takes bot audio at any rate and resamples it with
    soxr to the LiveKit rate; it goes to the user's `AgentTrack`, a barge-in clears the
    SDK's queue, and a `DataMessageFrame` made by the graph is published to the user.
    The agent's words as played (`BotTextFrame`) and the user's transcripts reach the
    user as LiveKit transcriptions (`TranscriptionWriter`, topic `lk.transcription`).
    A hang-up or transfer reaches the user as a data message on `CALL_TOPIC` (the JSON
    `end_call`/`transfer_call` event) before the session ends; see
    `LiveKitConfig.end_call_removes_user`.

    Args:
        room: the room's name.
        identity: the user's identity.
        input_rate: rate of the audio the graph receives.
        media_rate: rate exchanged with LiveKit (both directions).
        quality: soxr recipe both ways ("LQ" holds back 6 ms at 48->16 kHz).
        capacity: most frames queued towards the graph (12,000: about 120 s of the SDK's 10 ms
            frames, so speech sent while the session waits for the engines is kept).
        session_id: id of the session (default: random).
    """

    def __init__(
        self,
        room: str,
        identity: str,
        *,
        input_rate: int = 16000,
        media_rate: int = 48000,
        quality: Quality = "LQ",
        capacity: int = 12_000,
        session_id: str | None = None,
    ) -> None:
        super().__init__(
            input_format=AudioFormat(input_rate), output_format=AudioFormat(media_rate), session_id=session_id
        )
        self.room = room
        self.identity = identity
        self.media_rate = media_rate
        self.quality: Quality = quality
        self.state = ParticipantState.ACTIVE
        self.stats = LinkStats()
        self.track: AgentTrack | None = None
        """Where the agent's audio for this user goes (set by the room)."""
        self.user_track_sid = ""
        """The user's microphone track being read (set by the room; names their transcripts)."""
        self._transcripts = TranscriptionWriter(identity)
        self._in: deque[Frame] = deque()
        self._capacity = capacity
        self._ready = asyncio.Event()
        self._resampler: StreamResampler | None = None
        self._listeners: list[Callable[[ParticipantConnection, ParticipantState], None]] = []
        self._last_write_ns = 0

    def output(
        self,
        *,
        playout: PlayoutOptions | None = None,
        name: str | None = None,
    ) -> LiveKitOutput:
        """The sink node: paced playout to the user, resampled to the LiveKit rate here."""
        from voicegraph.transports.livekit.livekit_output import LiveKitOutput

        if self._output is None:
            self._output = LiveKitOutput(self, quality=self.quality, playout=playout, name=name)
        assert isinstance(self._output, LiveKitOutput)
        return self._output

    # -- room side ------------------------------------------------------------------------
    def feed_audio(self, pcm: bytes) -> None:
        """Queue one buffer of the user's mono s16 audio at `media_rate`."""
        if self.finished:
            return
        data = self._resample(pcm)
        if data:
            self.stats.frames_in += 1
            self._put(InputAudioFrame(data=data, format=self.input_format))

    def feed(self, frame: Frame) -> None:
        """Queue any frame for the graph (data messages, room events)."""
        if isinstance(frame, DataMessageFrame):
            self.stats.data_received += 1
        self._put(frame)

    def set_state(self, state: ParticipantState, event: RoomEvent | None = None, detail: str = "") -> None:
        """Record the session's state; tell the graph `event` (if any) and the listeners."""
        changed = state is not self.state
        self.state = state
        if event is not None and not self.finished:
            self.feed(RoomEventFrame(event=event, identity=self.identity, room=self.room, detail=detail))
        if changed:
            for fn in tuple(self._listeners):
                fn(self, state)

    def on_state(self, fn: Callable[[ParticipantConnection, ParticipantState], None]) -> None:
        """Call `fn(connection, state)` on every state change (for session managers)."""
        self._listeners.append(fn)

    def _resample(self, pcm: bytes) -> bytes:
        if self.input_format.rate == self.media_rate:
            return pcm
        if self._resampler is None:
            from voicegraph.audio.stream_resampler import StreamResampler

            self._resampler = StreamResampler(
                self.media_rate, self.input_format.rate, quality=self.quality, steady=False
            )
        x = np.frombuffer(pcm, dtype="<i2").reshape(-1, 1)
        return bytes(np.ascontiguousarray(self._resampler.process(x), dtype="<i2").data)

    def _put(self, frame: Frame) -> None:
        if self.finished:
            return
        if len(self._in) >= self._capacity:  # live audio: lose the oldest, not the newest
            victim = next((f for f in self._in if isinstance(f, InputAudioFrame)), self._in[0])
            self._in.remove(victim)
            self.stats.dropped_in += 1
        self._in.append(frame)
        self._ready.set()

    def finish(self, *, lost: bool = False) -> None:
        if not self.finished:
            super().finish(lost=lost)
            self.set_state(ParticipantState.ENDED)

    # -- graph side -----------------------------------------------------------------------
    async def receive(self) -> Frame | None:
        while not self._in:
            self._ready.clear()
            await self._ready.wait()
        return self._in.popleft()

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        now = time.monotonic_ns()
        if now - self._last_write_ns > _PAUSE_NS:
            self.stats.audio_started_ns = now
        self._last_write_ns = now
        if self.track is not None:
            await self.track.capture(data, fmt)

    async def write_clear(self) -> None:
        self.stats.clears += 1
        self.stats.last_clear_ns = time.monotonic_ns()
        if self.track is not None:
            self.track.clear()

    async def write_event(self, frame: Frame) -> None:
        track = self.track
        if isinstance(frame, BotTextFrame | TranscriptFrame):
            if track is not None and track.live and track.room is not None:
                self._write_text(track, frame)
            return
        if isinstance(frame, CallActionFrame):  # the user's app learns why the agent left
            payload = json.dumps(call_action_event(frame)).encode()
            frame = DataMessageFrame(payload=payload, topic=CALL_TOPIC)
        if not isinstance(frame, DataMessageFrame) or frame.sender or self.track is None:
            return
        to = list(frame.destinations) or [self.identity]
        if await self.track.send_data(frame.payload, topic=frame.topic, to=to, reliable=frame.reliable):
            self.stats.data_sent += 1

    async def close_transcripts(self) -> None:
        """Close the agent's reply stream if the session ended mid-reply (before unpublishing)."""
        await self._transcripts.aclose()

    def _write_text(self, track: AgentTrack, frame: BotTextFrame | TranscriptFrame) -> None:
        if isinstance(frame, BotTextFrame):
            self._transcripts.submit_bot(track.room, frame, track.sid)
        elif frame.text.strip():
            self._transcripts.submit_user(track.room, frame, self.user_track_sid)
