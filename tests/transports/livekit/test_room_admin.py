"""RoomAdmin against the real RoomService: create, list, delete rooms; list participants."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.livekit import LiveKitConfig, LiveKitTransport, RoomAdmin

from .conftest import join_user
from .sim_user import wait_for
from .voice_agent import SessionLog, probe_only

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(60)]


async def test_created_rooms_are_listed_with_their_settings_until_deleted(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    async with RoomAdmin(lk_config) as admin:
        created = await admin.create_room(room_name, empty_timeout_s=60, max_participants=3, metadata="m")
        (listed,) = await admin.list_rooms([room_name])
        await admin.delete_room(room_name)
        after = await admin.list_rooms([room_name])
    assert (listed.name, listed.sid, listed.max_participants, listed.metadata) == (
        room_name,
        created.sid,
        3,
        "m",
    )
    assert after == []


async def test_participants_list_the_agent_and_the_user_with_their_kinds(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(lk_config, probe_only(logs)) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "dave")
        try:
            await wait_for(user.subscribed.is_set, 10)  # the agent published the user's track
            people = await lk.admin.list_participants(room_name)
        finally:
            await user.leave()
    kinds = sorted((p.identity, p.kind) for p in people)
    assert kinds == [("dave", "standard"), (lk_config.agent_identity, "agent")]
    assert {p.tracks for p in people} == {1}  # each publishes one audio track


async def test_deleting_a_room_that_does_not_exist_fails_with_connection_failed(
    lk_config: LiveKitConfig,
) -> None:
    async with RoomAdmin(lk_config) as admin:
        with pytest.raises(VoiceError) as err:
            await admin.delete_room("never-created")
    assert err.value.code is ErrorCode.CONNECTION_FAILED
