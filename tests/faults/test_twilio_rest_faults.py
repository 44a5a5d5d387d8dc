"""TwilioCallControl (Twilio's REST "update call") behind the HTTP fault proxy: coded, bounded failures."""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import AsyncIterator

import anyio
import pytest

from tests.fakes.twilio_rest import FakeTwilioRest
from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.framework.frames.call import EndCallFrame
from voicegraph.testing import Fault, FaultSchedule, HttpFaultProxy
from voicegraph.transports.twilio_call_control import TwilioCallControl

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

CALL = "CA" + "0123456789abcdef" * 2
TIMEOUT_S = 1.0


@contextlib.asynccontextmanager
async def control() -> AsyncIterator[tuple[TwilioCallControl, HttpFaultProxy, FakeTwilioRest]]:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        port = urllib.parse.urlsplit(twilio.base_url).port
        assert port is not None
        async with HttpFaultProxy(port, schedule=FaultSchedule(stall_s=10.0)) as proxy:
            url = f"http://127.0.0.1:{proxy.port}"
            calls = TwilioCallControl(
                twilio.account_sid, twilio.auth_token, base_url=url, timeout_s=TIMEOUT_S
            )
            yield calls, proxy, twilio


async def hang_up_code(fault: Fault) -> tuple[ErrorCode | None, int]:
    """Hang up once with `fault` on the request; the error code (None: done) and calls the fake saw."""
    async with control() as (calls, proxy, twilio):
        proxy.schedule.inject_next("request", fault)
        try:
            with anyio.fail_after(TIMEOUT_S + 2):
                await calls.perform(EndCallFrame(reason="bye"), CALL)
        except VoiceError as err:
            return err.code, len(twilio.requests)
        return None, len(twilio.requests)


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Fault.STATUS_500, ErrorCode.CONNECTION_FAILED),
        (Fault.STATUS_503, ErrorCode.CONNECTION_FAILED),
        (Fault.STATUS_429, ErrorCode.CONNECTION_FAILED),
        (Fault.DROP, ErrorCode.CONNECTION_FAILED),
        (Fault.STALL, ErrorCode.TIMEOUT),
    ],
)
async def test_a_faulted_hang_up_is_one_coded_error_within_the_timeout(fault: Fault, code: ErrorCode) -> None:
    got, reached = await hang_up_code(fault)
    assert (got, reached) == (code, 0)  # answered (or held) by the proxy: Twilio never saw it


async def test_a_delayed_hang_up_still_goes_through() -> None:
    assert await hang_up_code(Fault.DELAY) == (None, 1)
