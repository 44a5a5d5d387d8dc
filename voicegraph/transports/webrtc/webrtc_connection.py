"""WebRTCConnection: one browser (or any WebRTC peer) linked to its session graph over aiortc."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.formats import PCM16K, PCM48K
from voicegraph.framework.frames.audio import InputAudioFrame
from voicegraph.framework.frames.system import InterruptRequestFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.client_messages import ClientEnd, ClientInterrupt, ClientText
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc.data_channel_codec import DataChannelCodec
from voicegraph.transports.webrtc.frame_inbox import FrameInbox
from voicegraph.transports.webrtc.http_message import HttpError
from voicegraph.transports.webrtc.inbound_audio_converter import InboundAudioConverter
from voicegraph.transports.webrtc.jitter_prefetch import set_jitter_prefetch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.webrtc.ice_server import IceServer

log = logging.getLogger("voicegraph.transports.webrtc")


class WebRTCConnection(Connection):
    """A session's link to one WebRTC peer: Opus audio both ways plus an "events" data channel.

    Client to graph: the peer's audio track, decoded by aiortc (Opus, 48 kHz stereo)
    and converted to `input_format` with soxr, arrives as `InputAudioFrame`s (0-30 ms
    each, 20 ms on average: see `InboundAudioConverter`);
    typed text arrives as a final `TranscriptFrame`, an interrupt message as an
    interruption request (see `DataChannelCodec`). The inbox holds `inbox_ms` of audio
    (120 s: what the user says while the session waits for the engines is answered, not
    lost); past it the oldest audio is dropped and counted (`dropped_frames`). Graph to
    client: each playout chunk goes to a write-driven `PcmAudioTrack` (Opus-encoded by
    aiortc); events, clears and errors go out as JSON on the data channel (dropped and
    counted when the channel's buffer is over `max_channel_buffer` bytes: a peer that
    stopped reading).

    The session ends, without draining, on a hang-up message, when the peer connection
    fails or closes, when the peer's track ends, or when ICE has not connected within
    `connect_timeout_s` of the answer. `close` releases the peer connection.

    Resume (`resume_grace_s` > 0): the session has a `resume_token`; when its peer
    connection fails or closes, or its track ends, without a hang-up, the session (its
    graph and conversation) waits `resume_grace_s` for `resume`, which binds a NEW peer
    connection to it (the old one is closed; bot audio and events meanwhile are dropped
    and counted). `resume` also replaces a peer connection not yet seen as lost (a cut
    transport that ICE has not noticed). No peer back in time: the session ends, lost.

    Args:
        ice_servers: STUN/TURN servers (none: host candidates only, no traffic off-host).
        input_format: format of the audio given to the graph.
        output_format: format of the bot audio the graph plays (s16 mono or stereo).
        connect_timeout_s: time ICE and DTLS have to connect after the answer.
        inbox_ms: audio the inbox holds before it drops the oldest (default 120 s).
        max_channel_buffer: data channel bytes buffered before events are dropped.
        jitter_packets: packets aiortc holds back before decoding, 20 ms each (see
            `set_jitter_prefetch`; aiortc's own default is 4).
        session_id: the session's id (default: a random one).
        resume_grace_s: how long a lost peer may be replaced by `resume` (0: no resume).

    Raises:
        VoiceError: (missing_dependency) aiortc is not installed.
    """

    def __init__(
        self,
        *,
        ice_servers: Sequence[IceServer] = (),
        input_format: AudioFormat = PCM16K,
        output_format: AudioFormat = PCM48K,
        connect_timeout_s: float = 20.0,
        inbox_ms: float = 120_000.0,
        max_channel_buffer: int = 256 * 1024,
        jitter_packets: int = 1,
        session_id: str | None = None,
        resume_grace_s: float = 0.0,
    ) -> None:
        super().__init__(input_format=input_format, output_format=output_format, session_id=session_id)
        try:
            from aiortc import RTCIceServer
        except ImportError:
            raise missing_dependency("webrtc", "aiortc") from None
        self._servers = [RTCIceServer(list(s.urls), s.username, s.credential) for s in ice_servers]
        self.codec = DataChannelCodec()
        self.connect_timeout_s = connect_timeout_s
        self.jitter_packets = jitter_packets
        self.resume_grace_s = resume_grace_s
        self.resume_token = secrets.token_urlsafe(18) if resume_grace_s > 0 else ""
        """The secret a client offers again to resume this session ("" without resume)."""
        self.resumed = False
        """A peer connection was bound to this session again (in-process resume), or the
        session continues a persisted one (set by the session layer)."""
        self.peers = 0
        """Peer connections bound to this session so far."""
        self.dropped_audio = 0
        """Bot audio chunks dropped while no peer was attached (waiting for a resume)."""
        self.bad_messages = 0
        """Malformed data channel messages received."""
        self.dropped_events = 0
        """Events not sent because the data channel was closed or backed up."""
        self.inbox = FrameInbox(int(inbox_ms // 20))
        """What the peer sent, waiting for the session (None at the end)."""
        self._max_buffer = max_channel_buffer
        self._timer: asyncio.TimerHandle | None = None
        self._grace: asyncio.TimerHandle | None = None  # set while the peer is lost
        self._ever_connected = False
        self._resuming = False
        self._new_peer()

    def _new_peer(self) -> None:
        """A fresh peer connection, outgoing track and (not yet opened) data channel."""
        from aiortc import RTCConfiguration, RTCPeerConnection

        from voicegraph.transports.webrtc.pcm_audio_track import PcmAudioTrack

        # iceServers=[] explicitly: with None, aiortc adds a public STUN server.
        pc: Any = RTCPeerConnection(RTCConfiguration(iceServers=self._servers))
        self.pc = pc
        self.track = PcmAudioTrack(self.output_format)
        self.connected = asyncio.Event()
        """Set once ICE and DTLS of the current peer connection are up."""
        self._channel: Any = None
        self._reader: asyncio.Task[None] | None = None
        self.peers += 1
        pc.on("track", lambda track: self._on_track(pc, track))
        pc.on("datachannel", self._on_datachannel)
        pc.on("connectionstatechange", lambda: self._on_state(pc))

    # -- signalling -------------------------------------------------------------------------
    async def answer(self, offer_sdp: str) -> str:
        """Apply the peer's offer and return the answer SDP (ICE candidates included).

        Raises:
            HttpError: (400 invalid_input) aiortc rejected the offer; (400 not_negotiated)
                no audio section to answer with Opus.
        """
        from aiortc import RTCRtpSender, RTCSessionDescription

        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        except Exception as exc:  # aiortc raises ValueError, InvalidStateError, ... on a bad offer
            raise HttpError(400, ErrorCode.INVALID_INPUT, f"offer rejected: {exc}") from None
        audio = [t for t in self.pc.getTransceivers() if t.kind == "audio"]
        if not audio:
            raise HttpError(400, ErrorCode.NOT_NEGOTIATED, "the offer has no audio to answer")
        for extra in self.pc.getTransceivers():
            if extra is not audio[0]:
                extra.direction = "inactive"  # one audio stream per session; never decode video
        opus = [c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType.lower() == "audio/opus"]
        audio[0].setCodecPreferences(opus)
        set_jitter_prefetch(audio[0].receiver, self.jitter_packets)
        self.pc.addTrack(self.track)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        pc = self.pc
        self._timer = asyncio.get_running_loop().call_later(
            self.connect_timeout_s, lambda: self._connect_timeout(pc)
        )
        return str(self.pc.localDescription.sdp)

    def _connect_timeout(self, pc: Any) -> None:
        if pc is self.pc and not self.connected.is_set():
            log.info("session %s: peer did not connect in %.0fs", self.session_id, self.connect_timeout_s)
            self.peer_lost()

    def _on_state(self, pc: Any) -> None:
        if pc is not self.pc:  # a replaced peer connection closing
            return
        state = pc.connectionState
        log.debug("session %s: connection %s", self.session_id, state)
        if state == "connected":
            self.connected.set()
            self._ever_connected = True
        elif state in ("failed", "closed"):
            self.peer_lost()

    # -- resume -----------------------------------------------------------------------------
    @property
    def attached(self) -> bool:
        """Whether a peer connection serves the session now (false while it waits for a resume)."""
        return self._grace is None and not self.finished

    def peer_lost(self) -> None:
        """The current peer is gone: wait `resume_grace_s` for `resume`, or end the session.

        A peer that never connected (a first connection), or no resume, ends it at once.
        """
        if self.finished or self._grace is not None:
            return
        if self.resume_grace_s <= 0 or not self._ever_connected:
            self.finish(lost=True)
            return
        log.info("session %s: peer lost; resumable for %.0fs", self.session_id, self.resume_grace_s)
        self._grace = asyncio.get_running_loop().call_later(self.resume_grace_s, self._grace_over)

    def _grace_over(self) -> None:
        log.info("session %s: no peer came back in %.0fs", self.session_id, self.resume_grace_s)
        self.finish(lost=True)

    async def resume(self, offer_sdp: str) -> str:
        """Bind a new peer connection (from `offer_sdp`) to this session; its answer SDP.

        The previous peer connection is closed. The conversation goes on where it was.

        Raises:
            HttpError: (404 session_not_found) the session has ended or takes no resume;
                (400 invalid_input / not_negotiated) the offer (the session then waits
                for another one within its grace).
        """
        if self.finished or not self.resume_token:
            raise HttpError(404, ErrorCode.SESSION_NOT_FOUND, "no session to resume")
        if self._resuming:
            raise HttpError(
                404, ErrorCode.SESSION_NOT_FOUND, "that session is being resumed by another offer"
            )
        self._resuming = True
        try:
            await self._close_peer()
            self._new_peer()
            self.resumed = True
            sdp = await self.answer(offer_sdp)
        except BaseException:
            self.peer_lost()
            raise
        finally:
            self._resuming = False
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
        log.info("session %s: resumed on peer connection %d", self.session_id, self.peers)
        return sdp

    # -- client to graph --------------------------------------------------------------------
    def _on_track(self, pc: Any, track: Any) -> None:
        if pc is not self.pc or track.kind != "audio" or self._reader is not None:
            return
        self._reader = asyncio.get_running_loop().create_task(
            self._read(pc, track), name=f"webrtc:{self.session_id}:read"
        )

    async def _read(self, pc: Any, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        converter = InboundAudioConverter(self.input_format)
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                break
            data = converter.convert(frame)
            if data:
                self._put(InputAudioFrame(data=data, format=self.input_format))
        if pc is self.pc:
            self.peer_lost()

    def _on_datachannel(self, channel: Any) -> None:
        if self._channel is not None:  # one events channel per session
            channel.close()
            return
        self._channel = channel
        channel.on("message", self._on_message)
        if channel.readyState == "open":
            self._send(self.codec.encode_session(self.session_id))
        else:
            channel.on("open", lambda: self._send(self.codec.encode_session(self.session_id)))

    def _on_message(self, message: str | bytes) -> None:
        try:
            msg = self.codec.parse(message)
        except VoiceError as err:
            self.bad_messages += 1
            self._send(self.codec.encode_error(err))
            return
        if isinstance(msg, ClientEnd):
            self.finish(lost=True)
        elif isinstance(msg, ClientText):
            self._put(TranscriptFrame(text=msg.text, user_id=self.session_id))
        elif isinstance(msg, ClientInterrupt):
            self._put(InterruptRequestFrame(reason="client"))

    def _put(self, item: Frame | None) -> None:
        self.inbox.put(item)

    async def receive(self) -> Frame | None:
        return await self.inbox.get()

    @property
    def dropped_frames(self) -> int:
        """Input audio frames dropped because the graph fell behind."""
        return self.inbox.dropped_frames

    # -- graph to client --------------------------------------------------------------------
    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        if self._grace is not None:  # no peer: nobody would hear it
            self.dropped_audio += 1
            return
        self.track.push(data)

    async def write_event(self, frame: Frame) -> None:
        message = self.codec.encode_event(frame)
        if message is not None:
            self._send(message)

    async def write_clear(self) -> None:
        self.track.clear()
        self._send(self.codec.encode_clear())

    def send_error(self, err: VoiceError) -> None:
        """Tell the peer about a session error (if the data channel is open)."""
        self._send(self.codec.encode_error(err))

    def _send(self, message: str) -> None:
        channel = self._channel
        if channel is None or channel.readyState != "open" or channel.bufferedAmount > self._max_buffer:
            self.dropped_events += 1
            return
        channel.send(message)

    # -- lifecycle --------------------------------------------------------------------------
    def finish(self, *, lost: bool = False) -> None:
        if not self.finished:
            self._put(None)
        if self._grace is not None:
            self._grace.cancel()
        super().finish(lost=lost)

    async def close(self) -> None:
        """Release the peer connection, the tracks and the reader (idempotent)."""
        self.finish(lost=True)
        await self._close_peer()

    async def _close_peer(self) -> None:
        """Close the current peer connection, its track and its reader."""
        if self._timer is not None:
            self._timer.cancel()
        self.track.stop()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5.0):
                await self.pc.close()
