"""TwilioCallControl against a fake of Twilio's REST "update call" endpoint on 127.0.0.1."""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET

import pytest

from tests.fakes.twilio_rest import FakeTwilioRest
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.call import EndCallFrame, TransferCallFrame
from voicegraph.transports.twilio_call_control import TwilioCallControl

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

CALL = "CA" + "0123456789abcdef" * 2
OTHER = "CA" + "fedcba9876543210" * 2


def control_for(
    twilio: FakeTwilioRest, *, token: str | None = None, timeout_s: float = 5.0
) -> TwilioCallControl:
    token = twilio.auth_token if token is None else token
    return TwilioCallControl(twilio.account_sid, token, base_url=twilio.base_url, timeout_s=timeout_s)


def call_path(twilio: FakeTwilioRest, call_sid: str = CALL) -> str:
    return f"/2010-04-01/Accounts/{twilio.account_sid}/Calls/{call_sid}.json"


def dial_of(twilio: FakeTwilioRest) -> ET.Element:
    """The `<Dial>` of the one TwiML update the fake accepted."""
    assert len(twilio.updates) == 1
    sid, form = twilio.updates[0]
    assert sid == CALL and set(form) == {"Twiml"}
    root = ET.fromstring(form["Twiml"])
    assert root.tag == "Response" and [child.tag for child in root] == ["Dial"]
    return root[0]


async def test_hang_up_posts_status_completed_with_basic_auth_to_the_call_path() -> None:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.update({CALL, OTHER})
        await control_for(twilio).perform(EndCallFrame(reason="bye"), CALL)
    [request] = twilio.requests
    assert (request.method, request.path, request.call_sid) == ("POST", call_path(twilio), CALL)
    assert request.authorized and request.form == {"Status": "completed"}
    assert twilio.updates == [(CALL, {"Status": "completed"})]
    assert twilio.live_calls == {OTHER}


@pytest.mark.parametrize("ended", [True, False], ids=["completed-400-21220", "unknown-404-20404"])
async def test_hanging_up_a_call_that_has_already_ended_is_not_an_error(ended: bool) -> None:
    async with FakeTwilioRest() as twilio:
        if ended:
            twilio.ended_calls.add(CALL)
        await control_for(twilio).perform(EndCallFrame(), CALL)
    [request] = twilio.requests
    assert request.authorized and request.call_sid == CALL and request.form == {"Status": "completed"}
    assert twilio.updates == []  # the fake refused: the call is over


async def test_transfer_to_a_phone_number_dials_it_in_inline_twiml() -> None:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        await control_for(twilio).perform(TransferCallFrame(target="+15551234567"), CALL)
    [request] = twilio.requests
    assert request.authorized and request.path == call_path(twilio)
    dial = dial_of(twilio)
    assert dial.text == "+15551234567" and len(dial) == 0
    assert twilio.live_calls == {CALL}  # a transfer keeps the call up


async def test_transfer_to_a_sip_uri_dials_a_sip_noun() -> None:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        await control_for(twilio).perform(TransferCallFrame(target="sip:agent@example.com"), CALL)
    dial = dial_of(twilio)
    assert not (dial.text or "").strip()
    assert [(child.tag, child.text) for child in dial] == [("Sip", "sip:agent@example.com")]


async def test_transfer_target_with_markup_characters_is_escaped_and_round_trips() -> None:
    target = 'queue <A&B> "vip"'
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        await control_for(twilio).perform(TransferCallFrame(target=target), CALL)
    dial = dial_of(twilio)
    assert dial.text == target and len(dial) == 0


@pytest.mark.parametrize("ended", [True, False], ids=["completed-400-21220", "unknown-404-20404"])
async def test_transfer_of_a_call_that_has_ended_raises_session_not_found(ended: bool) -> None:
    async with FakeTwilioRest() as twilio:
        if ended:
            twilio.ended_calls.add(CALL)
        with pytest.raises(VoiceError) as caught:
            await control_for(twilio).perform(TransferCallFrame(target="+15551234567"), CALL)
    assert caught.value.code is ErrorCode.SESSION_NOT_FOUND
    [request] = twilio.requests
    assert request.authorized and request.call_sid == CALL and "Twiml" in request.form
    assert twilio.updates == []


async def test_wrong_auth_token_raises_authentication_failed() -> None:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        with pytest.raises(VoiceError) as caught:
            await control_for(twilio, token="not-the-token").perform(EndCallFrame(), CALL)
    assert caught.value.code is ErrorCode.AUTHENTICATION_FAILED
    assert [r.authorized for r in twilio.requests] == [False]
    assert twilio.updates == [] and twilio.live_calls == {CALL}


async def test_nothing_listening_raises_connection_failed() -> None:
    with socket.socket() as bound:  # bound but not listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        control = TwilioCallControl(CALL.replace("CA", "AC"), "t", base_url=f"http://127.0.0.1:{port}")
        with pytest.raises(VoiceError) as caught:
            await control.perform(EndCallFrame(), CALL)
    assert caught.value.code is ErrorCode.CONNECTION_FAILED


async def test_an_answer_slower_than_the_timeout_raises_timeout() -> None:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        twilio.delay_s = 3.0
        started = time.monotonic()
        with pytest.raises(VoiceError) as caught:
            await control_for(twilio, timeout_s=0.3).perform(EndCallFrame(), CALL)
        elapsed = time.monotonic() - started
    assert caught.value.code is ErrorCode.TIMEOUT
    assert 0.25 <= elapsed < 2.0
    assert [r.call_sid for r in twilio.requests] == [CALL]  # it was sent, the answer was late


async def test_an_empty_call_sid_raises_invalid_input_without_a_request() -> None:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        with pytest.raises(VoiceError) as caught:
            await control_for(twilio).perform(EndCallFrame(), "")
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert twilio.requests == [] and twilio.live_calls == {CALL}


async def test_an_empty_transfer_target_raises_invalid_input_without_a_request() -> None:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        with pytest.raises(VoiceError) as caught:
            await control_for(twilio).perform(TransferCallFrame(target=""), CALL)
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert twilio.requests == [] and twilio.live_calls == {CALL}


async def test_a_base_url_with_a_trailing_slash_posts_to_the_same_path() -> None:
    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add(CALL)
        control = TwilioCallControl(twilio.account_sid, twilio.auth_token, base_url=twilio.base_url + "/")
        await control.perform(EndCallFrame(), CALL)
    assert [r.path for r in twilio.requests] == [call_path(twilio)]
    assert twilio.live_calls == set()


def test_constructing_without_an_account_sid_raises_invalid_config() -> None:
    with pytest.raises(VoiceError) as caught:
        TwilioCallControl("", "secret-token")
    assert caught.value.code is ErrorCode.INVALID_CONFIG


def test_repr_names_the_account_but_not_the_token() -> None:
    control = TwilioCallControl("AC" + "1" * 32, "very-secret-token-42")
    text = repr(control)
    assert "AC" + "1" * 32 in text
    assert "very-secret-token-42" not in text and "secret" not in text
