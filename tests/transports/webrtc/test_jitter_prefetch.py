"""set_jitter_prefetch: aiortc's audio receiver holds back fewer packets (a private aiortc detail)."""

from __future__ import annotations

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.jitterbuffer import JitterBuffer

from voicegraph.transports.webrtc.jitter_prefetch import set_jitter_prefetch

pytestmark = pytest.mark.anyio


async def test_the_audio_receiver_gets_a_buffer_that_holds_back_one_packet() -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver = pc.addTransceiver("audio").receiver
    try:
        assert set_jitter_prefetch(receiver, 1)
        buffer = receiver._RTCRtpReceiver__jitter_buffer  # type: ignore[attr-defined]
        assert isinstance(buffer, JitterBuffer) and buffer._prefetch == 1
    finally:
        await pc.close()


async def test_a_prefetch_below_one_packet_is_refused() -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        assert not set_jitter_prefetch(pc.addTransceiver("audio").receiver, 0)
    finally:
        await pc.close()


def test_an_object_without_aiortcs_buffer_is_left_alone() -> None:
    assert not set_jitter_prefetch(object(), 1)
