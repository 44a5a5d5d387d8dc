"""Connection: one client's duplex link to its session graph."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from voicegraph.framework.formats import PCM16K

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.errors import VoiceError
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.frames.call import CallActionFrame
    from voicegraph.transports.connection_input import ConnectionInput
    from voicegraph.transports.connection_output import ConnectionOutput
    from voicegraph.transports.playout_options import PlayoutOptions


class Connection:
    """One client's link to one session graph: frames in, paced audio and events out.

    A transport makes one per accepted client (`MemoryTransport` is one itself).
    `input()` and `output()` are the head and sink nodes of that session's graph. The
    medium side is `receive` (client to graph) and the `write_*` methods (graph to
    client), which subclasses implement. `finish` ends the session: the runner waits
    on `wait_finished`, then drains the graph, or cancels it when the client is lost.

    Args:
        input_format: format of the client's audio.
        output_format: format the client plays (default: `input_format`).
        session_id: id of the session (default: a random one).
    """

    supports_marks: bool = False
    """Whether the medium echoes playout marks (see `PlayoutOutput.on_mark`)."""

    def __init__(
        self,
        *,
        input_format: AudioFormat = PCM16K,
        output_format: AudioFormat | None = None,
        session_id: str | None = None,
    ) -> None:
        self.input_format = input_format
        self.output_format = output_format or input_format
        self.session_id = session_id or uuid.uuid4().hex
        self.lost = False
        """True when the session ended because the client went away (no drain)."""
        self.call_action: CallActionFrame | None = None
        """The hang-up or transfer that ended the session, if one did."""
        self.errors: list[VoiceError] = []
        """Client-side failures the graph's nodes never see (bad messages...), in order."""
        self.reporter: Callable[[VoiceError], None] | None = None
        """Where `report` also sends them: the input node sets it to the session's bus."""
        self._finished = asyncio.Event()
        self._input: ConnectionInput | None = None
        self._output: ConnectionOutput | None = None

    # -- graph nodes ----------------------------------------------------------------------
    def input(self, *, name: str | None = None) -> ConnectionInput:
        """The head node that brings the client's audio and messages into the graph."""
        from voicegraph.transports.connection_input import ConnectionInput

        if self._input is None:
            self._input = ConnectionInput(self, name=name)
        return self._input

    def output(
        self,
        *,
        playout: PlayoutOptions | None = None,
        name: str | None = None,
    ) -> ConnectionOutput:
        """The sink node that plays bot audio to the client (see `PlayoutOutput`)."""
        from voicegraph.transports.connection_output import ConnectionOutput

        if self._output is None:
            self._output = ConnectionOutput(self, playout=playout, name=name)
        return self._output

    # -- client to graph ------------------------------------------------------------------
    async def receive(self) -> Frame | None:
        """The client's next frame: audio, text, DTMF or an interruption request.

        Returns an `EndFrame` when the client ended cleanly (the graph drains) and None
        when the client is gone (the session is cancelled).
        """
        raise NotImplementedError

    async def deliver_mark(self, name: str) -> None:
        """The client echoed playout mark `name`: hand it to the output node."""
        if self._output is not None:
            await self._output.on_mark(name)

    # -- graph to client ------------------------------------------------------------------
    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        """Send one chunk of bot audio; it starts playing at clock time `at_ns`."""
        raise NotImplementedError

    async def write_event(self, frame: Frame) -> None:
        """Send a non-audio frame (transcript, speaking event...) if the medium has a form for it."""

    async def write_clear(self) -> None:
        """Tell the client to drop bot audio it has buffered (barge-in)."""

    async def write_mark(self, name: str) -> None:
        """Ask the client to echo `name` when the audio sent so far has played."""

    async def perform_call_action(self, frame: CallActionFrame) -> None:
        """Hang up or transfer (the audio before `frame` has played): tell the client, end.

        The client learns of it through `write_event` (media with a form for it), then
        the session ends drained. Media with calls of their own (telephony) override it.

        Raises:
            VoiceError: the medium cannot carry out the action (the session goes on).
        """
        await self.write_event(frame)
        self.call_action = frame
        self.finish()

    def report(self, err: VoiceError) -> None:
        """Record a client-side failure (kept in `errors`; on the session's bus when it runs)."""
        self.errors.append(err)
        if self.reporter is not None:
            self.reporter(err)

    # -- lifecycle ------------------------------------------------------------------------
    def finish(self, *, lost: bool = False) -> None:
        """End the session (first call wins): drained (`lost=False`) or client gone."""
        if not self._finished.is_set():
            self.lost = lost
            self._finished.set()

    @property
    def finished(self) -> bool:
        """Whether the session has ended."""
        return self._finished.is_set()

    async def wait_finished(self) -> None:
        """Wait until the session ends."""
        await self._finished.wait()
