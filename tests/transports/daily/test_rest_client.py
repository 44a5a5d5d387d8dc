"""DailyRestClient against the local fake of Daily's REST API (tests/fakes/daily_rest.py)."""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.fakes.daily_rest import FakeDailyRest
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.daily.rest_client import DailyRestClient

pytestmark = pytest.mark.anyio


def _client(daily: FakeDailyRest, **kw: float) -> DailyRestClient:
    opts = {"backoff_s": 0.01, "max_backoff_s": 2.0, "timeout_s": 5.0, **kw}
    return DailyRestClient(daily.api_key, base_url=daily.base_url, **opts)  # type: ignore[arg-type]


async def test_room_create_get_list_delete_round_trip() -> None:
    async with FakeDailyRest() as daily, _client(daily) as client:
        room = await client.create_room("support-1", properties={"exp": int(time.time()) + 600})
        assert room.url == f"https://{daily.domain}.daily.co/support-1"
        assert (await client.get_room("support-1")).id == room.id
        assert [r.name for r in await client.list_rooms()] == ["support-1"]
        assert await client.delete_room("support-1") is True
        assert await client.list_rooms() == []


async def test_meeting_token_carries_room_expiry_and_owner_flag() -> None:
    async with FakeDailyRest() as daily, _client(daily) as client:
        await client.create_room("r1")
        token = await client.create_meeting_token("r1", expiry_s=120, is_owner=True, user_name="agent")
        props = daily.tokens[token]
        assert props["room_name"] == "r1" and props["is_owner"] is True and props["user_name"] == "agent"
        assert 100 < props["exp"] - time.time() <= 120
        claims = token.split(".")[1]
        assert json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["room_name"] == "r1"


async def test_bad_api_key_is_authentication_failed_without_retry() -> None:
    async with FakeDailyRest() as daily:
        async with DailyRestClient("wrong", base_url=daily.base_url, backoff_s=0.01) as client:
            with pytest.raises(VoiceError) as err:
                await client.list_rooms()
        assert err.value.code is ErrorCode.AUTHENTICATION_FAILED
        assert len(daily.requests) == 1


async def test_missing_room_is_not_found() -> None:
    async with FakeDailyRest() as daily, _client(daily) as client:
        with pytest.raises(VoiceError) as err:
            await client.get_room("nope")
        assert err.value.code is ErrorCode.NOT_FOUND


async def test_deleting_a_missing_room_is_false_or_not_found() -> None:
    async with FakeDailyRest() as daily, _client(daily) as client:
        assert await client.delete_room("gone") is False
        with pytest.raises(VoiceError) as err:
            await client.delete_room("gone", missing_ok=False)
        assert err.value.code is ErrorCode.NOT_FOUND


async def test_rate_limit_is_retried_after_retry_after() -> None:
    async with FakeDailyRest() as daily, _client(daily) as client:
        daily.fail_next(429, count=2, retry_after=0.3)
        room = await client.create_room("busy")
        assert room.name == "busy" and client.retries == 2
        gaps = [b.at - a.at for a, b in zip(daily.requests, daily.requests[1:], strict=False)]
        assert all(g >= 0.28 for g in gaps)  # honours Retry-After, not the 10 ms backoff


async def test_server_errors_are_retried_then_succeed() -> None:
    async with FakeDailyRest() as daily, _client(daily) as client:
        daily.fail_next(500, count=2)
        await client.create_room("flaky")
        assert "flaky" in daily.rooms and client.retries == 2


async def test_persistent_rate_limit_gives_up_with_a_retriable_code() -> None:
    async with FakeDailyRest() as daily, _client(daily, max_retries=2) as client:
        daily.fail_next(429, count=5, retry_after=0)
        with pytest.raises(VoiceError) as err:
            await client.list_rooms()
        assert err.value.code is ErrorCode.RATE_LIMIT_EXCEEDED and err.value.retriable
        assert len(daily.requests) == 3


async def test_bad_room_name_is_refused_before_any_request() -> None:
    async with FakeDailyRest() as daily, _client(daily) as client:
        with pytest.raises(VoiceError) as err:
            await client.create_room("no spaces!")
        assert err.value.code is ErrorCode.INVALID_INPUT and daily.requests == []


async def test_unreachable_api_is_connection_failed_after_retries() -> None:
    async with FakeDailyRest() as daily:
        url = daily.base_url
    client = DailyRestClient("k", base_url=url, backoff_s=0.01, max_retries=1)
    async with client:
        with pytest.raises(VoiceError) as err:
            await client.list_rooms()
    assert err.value.code is ErrorCode.CONNECTION_FAILED and client.retries == 1


def test_empty_api_key_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as err:
        DailyRestClient("")
    assert err.value.code is ErrorCode.INVALID_CONFIG


async def test_a_slow_api_is_connection_timeout_after_retries() -> None:
    async with FakeDailyRest() as daily, _client(daily, timeout_s=0.2, max_retries=1) as client:
        daily.delay_s = 1.0
        with pytest.raises(VoiceError) as err:
            await client.get_room("slow")
        assert err.value.code is ErrorCode.CONNECTION_TIMEOUT and err.value.retriable
        assert client.retries == 1 and len(daily.requests) == 2


async def test_other_client_errors_are_invalid_input_without_retry() -> None:
    async with FakeDailyRest() as daily, _client(daily) as client:
        await client.create_room("taken")
        with pytest.raises(VoiceError) as err:
            await client.create_room("taken")
        assert err.value.code is ErrorCode.INVALID_INPUT and client.retries == 0
