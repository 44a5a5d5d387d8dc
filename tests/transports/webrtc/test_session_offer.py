"""SessionOffer: posted offers are checked before any peer connection exists."""

from __future__ import annotations

import json

import pytest

from voicegraph.framework import ErrorCode
from voicegraph.transports.webrtc import HttpError, SessionOffer

from .sdp_samples import (
    AUDIO_OFFER,
    DATA_ONLY,
    MALFORMED,
    MANY_SECTIONS,
    NO_FINGERPRINT,
    NO_ICE,
    PCMU_ONLY,
    offer_body,
)


def reject(content_type: str, body: bytes) -> HttpError:
    with pytest.raises(HttpError) as info:
        SessionOffer.parse(content_type, body)
    return info.value


def test_a_well_formed_opus_offer_is_accepted_as_is() -> None:
    assert SessionOffer.parse("application/json", offer_body(AUDIO_OFFER)).sdp == AUDIO_OFFER


def test_another_content_type_is_unsupported_media() -> None:
    err = reject("text/plain", offer_body(AUDIO_OFFER))
    assert (err.status, err.code) == (415, ErrorCode.PROTOCOL_ERROR)


@pytest.mark.parametrize(
    "body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"offer"'], ids=["broken", "binary", "array", "string"]
)
def test_a_body_that_is_not_a_json_object_is_a_protocol_error(body: bytes) -> None:
    err = reject("application/json", body)
    assert (err.status, err.code) == (400, ErrorCode.PROTOCOL_ERROR)


def test_an_answer_posted_as_an_offer_is_invalid_input() -> None:
    assert reject("application/json", offer_body(AUDIO_OFFER, "answer")).code == ErrorCode.INVALID_INPUT


@pytest.mark.parametrize(
    "sdp",
    ["", "garbage", MALFORMED, NO_FINGERPRINT, NO_ICE, "v=0\r\n" + "a=x\r\n" * 10_000, MANY_SECTIONS],
    ids=["empty", "garbage", "malformed", "no-fingerprint", "no-ice", "too-long", "many-sections"],
)
def test_a_malformed_or_incomplete_sdp_is_invalid_input(sdp: str) -> None:
    err = reject("application/json", offer_body(sdp))
    assert (err.status, err.code) == (400, ErrorCode.INVALID_INPUT)


@pytest.mark.parametrize("sdp", [PCMU_ONLY, DATA_ONLY], ids=["pcmu-only", "data-only"])
def test_an_offer_without_opus_audio_is_not_negotiated(sdp: str) -> None:
    assert reject("application/json", offer_body(sdp)).code == ErrorCode.NOT_NEGOTIATED


def test_an_offer_carries_its_resume_token() -> None:
    body = json.dumps({"type": "offer", "sdp": AUDIO_OFFER, "resume": "tok-123"}).encode()
    assert SessionOffer.parse("application/json", body).resume == "tok-123"
    assert SessionOffer.parse("application/json", offer_body(AUDIO_OFFER)).resume == ""


@pytest.mark.parametrize("resume", [123, ["t"], "x" * 129], ids=["number", "list", "too-long"])
def test_a_resume_that_is_not_a_short_string_is_invalid_input(resume: object) -> None:
    err = reject(
        "application/json", json.dumps({"type": "offer", "sdp": AUDIO_OFFER, "resume": resume}).encode()
    )
    assert (err.status, err.code) == (400, ErrorCode.INVALID_INPUT)
