"""DailyConnection: one session's link to a Daily call (participant audio in, agent audio out)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from voicegraph.framework.formats import AudioFormat
from voicegraph.framework.frames.audio import InputAudioFrame
from voicegraph.framework.frames.call import CallActionFrame
from voicegraph.transports.call_action_event import call_action_event
from voicegraph.transports.connection import Connection
from voicegraph.transports.daily.app_message_frame import AppMessageFrame
from voicegraph.transports.daily.audio_pump import AudioPump

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

AppSender = Callable[[Any, "str | None"], Awaitable[bool]]
"""Sends an app message to a participant id (None: everyone); True when sent."""


class DailyConnection(Connection):
    """The link between one session graph and the Daily call.

    Call side (used by `DailyCall`): `feed_audio` queues mono s16 PCM at the call's
    rate as `InputAudioFrame`s (a full queue drops its oldest audio, counted in
    `dropped_in`); `feed` queues other frames (`AppMessageFrame`,
    `ParticipantEventFrame`). Graph side: `input()` / `output()` (see `Connection`);
    bot audio goes through an `AudioPump` (`pump`) to the call's sink, a barge-in
    clears it, an `AppMessageFrame` made by the graph is sent with `send_app`, and a
    hang-up or transfer reaches the participant as the JSON `end_call`/`transfer_call`
    app message before the session ends.

    Args:
        room: the room's name.
        participant_id: the participant this session serves ("" for a per-room session).
        user_name: their user name.
        rate: the call's audio rate (both ways).
        chunk_ms: pump chunk.
        capacity: most frames queued towards the graph (about 120 s of 20 ms chunks).
    """

    def __init__(
        self,
        room: str,
        participant_id: str = "",
        *,
        user_name: str = "",
        rate: int = 16000,
        chunk_ms: int = 20,
        capacity: int = 6000,
    ) -> None:
        super().__init__(input_format=AudioFormat(rate))
        self.room = room
        self.participant_id = participant_id
        self.user_name = user_name
        self.pump = AudioPump(chunk_bytes=rate * chunk_ms // 1000 * 2, chunk_s=chunk_ms / 1000)
        self.send_app: AppSender | None = None
        """How the graph's app messages leave (set by the call)."""
        self.frames_in = 0
        """Audio chunks fed towards the graph."""
        self.dropped_in = 0
        self.messages_in = 0
        self.messages_out = 0
        self._in: deque[Frame] = deque()
        self._capacity = capacity
        self._ready = asyncio.Event()

    # -- call side ------------------------------------------------------------------------
    def feed_audio(self, pcm: bytes) -> None:
        """Queue one chunk of the participant's audio."""
        if pcm:
            self.frames_in += 1
            self._put(InputAudioFrame(data=pcm, format=self.input_format))

    def feed(self, frame: Frame) -> None:
        """Queue any frame for the graph (app messages, participant events)."""
        if isinstance(frame, AppMessageFrame):
            self.messages_in += 1
        self._put(frame)

    def _put(self, frame: Frame) -> None:
        if self.finished:
            return
        if len(self._in) >= self._capacity:  # live audio: lose the oldest, not the newest
            victim = next((f for f in self._in if isinstance(f, InputAudioFrame)), self._in[0])
            self._in.remove(victim)
            self.dropped_in += 1
        self._in.append(frame)
        self._ready.set()

    # -- graph side -----------------------------------------------------------------------
    async def receive(self) -> Frame | None:
        while not self._in:
            self._ready.clear()
            await self._ready.wait()
        return self._in.popleft()

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        self.pump.push(data)

    async def write_clear(self) -> None:
        self.pump.clear()

    async def write_event(self, frame: Frame) -> None:
        if isinstance(frame, CallActionFrame):  # the participant's app learns why the agent left
            frame = AppMessageFrame(message=call_action_event(frame))
        if not isinstance(frame, AppMessageFrame) or frame.sender or self.send_app is None:
            return
        to: str | None = frame.to or self.participant_id or None
        if await self.send_app(frame.message, None if to == "*" else to):
            self.messages_out += 1
