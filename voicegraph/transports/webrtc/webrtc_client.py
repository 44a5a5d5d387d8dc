"""WebRTCClient: a Python peer for a voicegraph WebRTC server (tests, load tests, tools)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.formats import PCM16K
from voicegraph.transports.webrtc.inbound_audio_converter import InboundAudioConverter
from voicegraph.transports.webrtc.jitter_prefetch import set_jitter_prefetch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.transports.webrtc.ice_server import IceServer


@dataclass(frozen=True, slots=True)
class ReceivedAudio:
    """A decoded chunk of the server's audio and when it arrived."""

    arrival_ns: int
    """`time.monotonic_ns()` when the decoded frame reached the client."""
    data: bytes
    """PCM in the client's `audio_format`."""
    media_s: float = float("nan")
    """Media time of the decoded frame (from its RTP timestamp), in seconds; NaN if unknown."""


class WebRTCClient:
    """Calls a `WebRTCTransport` like the bundled page does, from Python.

    Sends PCM (queued with `send_audio`, played out in real time by a self-paced track,
    silence in between) and records the server's audio, decoded and converted to
    `audio_format`, with its arrival times (`received`), and the data channel's
    messages (`events`). Signalling is one POST of the offer (no trickle ICE).

    Args:
        url: the server's base URL (`http://host:port/`).
        audio_format: format of the PCM sent and of `received`.
        ice_servers: STUN/TURN servers (none by default).
        timeout_s: deadline for signalling and for connecting.
        max_send_s: most audio queued for sending.
        jitter_packets: packets held back before decoding (see `set_jitter_prefetch`).
        headers: extra HTTP headers for signalling (e.g. `Authorization: Bearer ...`).
        resume: a resume token (an earlier answer's `resume_token`): continue that
            session on this new peer connection instead of starting one.

    Raises:
        VoiceError: (missing_dependency) aiortc is not installed.
    """

    def __init__(
        self,
        url: str,
        *,
        audio_format: AudioFormat = PCM16K,
        ice_servers: Sequence[IceServer] = (),
        timeout_s: float = 10.0,
        max_send_s: float = 120.0,
        jitter_packets: int = 1,
        headers: dict[str, str] | None = None,
        resume: str = "",
    ) -> None:
        try:
            from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

            from voicegraph.transports.webrtc.pcm_audio_track import PcmAudioTrack
        except ImportError:
            raise missing_dependency("webrtc", "aiortc") from None
        self.url = url.rstrip("/") + "/"
        self.audio_format = audio_format
        self.timeout_s = timeout_s
        self.jitter_packets = jitter_packets
        self.headers = dict(headers or {})
        servers = [RTCIceServer(list(s.urls), s.username, s.credential) for s in ice_servers]
        self.pc: Any = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.track = PcmAudioTrack(audio_format, max_queued_ms=max_send_s * 1000, paced=True)
        self.channel: Any = self.pc.createDataChannel("events", ordered=True)
        self.session_id = ""
        self.resume = resume
        self.resume_token = ""
        """The answer's resume token ("" when the server takes no resume)."""
        self.resumed = False
        """The answer said the session was resumed."""
        self.received: list[ReceivedAudio] = []
        """The server's audio, in arrival order."""
        self.events: list[dict[str, Any]] = []
        """The data channel's messages, in order."""
        self._event = asyncio.Event()
        self._settled = asyncio.Event()  # connected, failed or closed
        self._channel_open = asyncio.Event()
        self._ended = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._converter = InboundAudioConverter(audio_format)
        self.channel.on("message", self._on_message)
        self.channel.on("open", self._channel_open.set)
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)

    async def offer(self) -> str:
        """Make the offer and post it; returns the server's answer SDP (not applied yet).

        Raises:
            VoiceError: the server's coded error, or (connection_failed) no server.
        """
        self.pc.addTrack(self.track)
        for transceiver in self.pc.getTransceivers():
            set_jitter_prefetch(transceiver.receiver, self.jitter_packets)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = {"type": "offer", "sdp": self.pc.localDescription.sdp}
        if self.resume:
            offer["resume"] = self.resume
        answer = await asyncio.to_thread(self._post, "offer", json.dumps(offer).encode())
        self.session_id = str(answer.get("session_id", ""))
        self.resume_token = str(answer.get("resume_token", ""))
        self.resumed = answer.get("resumed") is True
        return str(answer["sdp"])

    async def connect(self) -> str:
        """Offer, apply the answer, wait until connected and the data channel is open.

        Returns the session id.

        Raises:
            VoiceError: the server's coded error, or (connection_timeout) no connection.
        """
        from aiortc import RTCSessionDescription

        sdp = await self.offer()
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.timeout_s):
                await self._settled.wait()
                if self.pc.connectionState == "connected":
                    await self._channel_open.wait()
        if self.pc.connectionState != "connected" or not self._channel_open.is_set():
            raise VoiceError(ErrorCode.CONNECTION_TIMEOUT, f"not connected ({self.pc.connectionState})")
        return self.session_id

    def _post(self, path: str, body: bytes) -> dict[str, Any]:
        req = urllib.request.Request(
            self.url + path,
            data=body,
            headers={**self.headers, "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                payload: dict[str, Any] = json.loads(resp.read())
                return payload
        except urllib.error.HTTPError as exc:
            raise error_from_body(exc.read(), exc.code) from None
        except OSError as exc:
            raise VoiceError(ErrorCode.CONNECTION_FAILED, f"signalling failed: {exc}") from None

    # -- audio and messages -------------------------------------------------------------------
    def send_audio(self, data: bytes) -> None:
        """Queue PCM in `audio_format`; it goes out in real time after what is queued."""
        self.track.push(data)

    def send_message(self, message: dict[str, Any]) -> None:
        """Send one JSON message on the data channel (e.g. `{"type": "text", "text": "hi"}`)."""
        self.channel.send(json.dumps(message))

    async def wait_event(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """The first event of type `kind` (waiting for it).

        Raises:
            TimeoutError: none came in time.
        """
        async with asyncio.timeout(timeout):
            while True:
                for event in self.events:
                    if event.get("type") == kind:
                        return event
                self._event.clear()
                await self._event.wait()

    async def wait_closed(self) -> None:
        """Wait until the connection has failed or been closed (by either side)."""
        await self._ended.wait()

    def received_pcm(self) -> bytes:
        """All audio received so far, concatenated."""
        return b"".join(r.data for r in self.received)

    def _on_message(self, message: str | bytes) -> None:
        with contextlib.suppress(ValueError):
            event = json.loads(message)
            if isinstance(event, dict):
                self.events.append(event)
                self._event.set()

    def _on_state(self) -> None:
        if self.pc.connectionState in ("connected", "failed", "closed"):
            self._settled.set()
        if self.pc.connectionState in ("failed", "closed"):
            self._ended.set()

    def _on_track(self, track: Any) -> None:
        if track.kind == "audio" and self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read(track))

    async def _read(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            data = self._converter.convert(frame)
            if data:
                media = (
                    float(frame.pts * frame.time_base)
                    if frame.pts is not None and frame.time_base
                    else math.nan
                )
                self.received.append(ReceivedAudio(time.monotonic_ns(), data, media))

    # -- lifecycle ----------------------------------------------------------------------------
    async def hangup(self) -> None:
        """Tell the server the call is over, then close."""
        if self.channel.readyState == "open":
            self.send_message({"type": "hangup"})
            await asyncio.sleep(0.05)  # let the message leave before the transport closes
        await self.close()

    async def close(self) -> None:
        """Close the peer connection (idempotent)."""
        self.track.stop()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self.pc.close()


def error_from_body(body: bytes, status: int) -> VoiceError:
    """The `VoiceError` in a JSON error body (`{"error": {"code", "message", "retriable"}}`)."""
    try:
        err = json.loads(body)["error"]
        return VoiceError(ErrorCode(err["code"]), str(err["message"]), retriable=bool(err.get("retriable")))
    except (ValueError, KeyError, TypeError):
        return VoiceError(ErrorCode.PROTOCOL_ERROR, f"HTTP {status} without a coded error body")
