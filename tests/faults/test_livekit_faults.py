"""LiveKitTransport (the agent) reaching a real livekit-server through the TCP fault proxy.

The proxy sits on the agent's signalling and Twirp connection (the server's HTTP port);
media flows directly (WebRTC, UDP), so these faults are signalling faults. The user joins
directly. Every wait is bounded.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid

import anyio
import pytest

from tests.faults.livekit_drops import livekit_drop_recovery
from tests.livekit_server import LiveKitServer
from tests.transports.livekit.conftest import make_config
from tests.transports.livekit.voice_agent import probe_only
from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.testing import Fault, FaultProxy, FaultRule, FaultSchedule
from voicegraph.transports.livekit import LiveKitTransport

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

RECOVER_BOUND_S = 20.0


def proxy_for(server: LiveKitServer, schedule: FaultSchedule | None = None) -> FaultProxy:
    port = urllib.parse.urlsplit(server.url).port
    assert port is not None
    return FaultProxy(port, schedule=schedule)


async def test_a_refused_signalling_connect_fails_the_join_with_a_coded_error(livekit: LiveKitServer) -> None:
    async with proxy_for(livekit) as proxy:
        proxy.refuse_new = True
        config = make_config(livekit, url=f"ws://127.0.0.1:{proxy.port}", connect_timeout_s=5.0)
        t0 = time.monotonic()
        async with LiveKitTransport(config, probe_only({})) as lk:
            with anyio.fail_after(RECOVER_BOUND_S), pytest.raises(VoiceError) as err:
                await lk.join("refused-room")
    assert err.value.code in (ErrorCode.CONNECTION_FAILED, ErrorCode.CONNECTION_TIMEOUT)
    assert time.monotonic() - t0 < RECOVER_BOUND_S


async def test_a_stalled_signalling_connect_fails_the_join_within_its_deadline(
    livekit: LiveKitServer,
) -> None:
    schedule = FaultSchedule(rules=(FaultRule(operation="connect", fault=Fault.STALL, rate=1.0),), stall_s=60)
    async with proxy_for(livekit, schedule) as proxy:
        config = make_config(
            livekit, url=f"ws://127.0.0.1:{proxy.port}", connect_timeout_s=3.0, request_timeout_s=3.0
        )
        async with LiveKitTransport(config, probe_only({})) as lk:
            with anyio.fail_after(RECOVER_BOUND_S), pytest.raises(VoiceError) as err:
                await lk.join("stalled-room")
    assert err.value.code in (ErrorCode.CONNECTION_TIMEOUT, ErrorCode.TIMEOUT, ErrorCode.CONNECTION_FAILED)


async def test_cut_signalling_links_are_resumed_and_the_session_goes_on(livekit: LiveKitServer) -> None:
    got = await livekit_drop_recovery(livekit, 2, f"room-{uuid.uuid4().hex[:8]}")
    assert (got["resumed"], got["session_answered_after"], got["sessions_built"]) == (2, 2, 1), got
