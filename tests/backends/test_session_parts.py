"""The session manager's parts (admission, lifecycle, ownership) work on their own and share state."""

from __future__ import annotations

import pytest

from voicegraph.backends.hooks import ConnectRequest, Hooks, Principal, TokenAuthHook
from voicegraph.backends.live_session import LiveSession, SessionEvents, SessionListener
from voicegraph.backends.session_admission import SessionAdmission
from voicegraph.backends.session_manager import SessionManager
from voicegraph.backends.stores.memory_store import MemorySessionStore
from voicegraph.framework.errors import ErrorCode, VoiceError

from .support import echo_graph

pytestmark = pytest.mark.anyio


class Requests(SessionListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def request(self, operation: str, seconds: float, error: str | None) -> None:
        self.seen.append((operation, error))


def admission(max_sessions: int, *, accepting: bool = True, hooks: Hooks | None = None) -> SessionAdmission:
    live: dict[str, LiveSession] = {}
    return SessionAdmission(
        hooks=hooks or Hooks(), store=MemorySessionStore(), events=SessionEvents([Requests()]),
        live=live, orphaned=lambda _s: True, accepting=lambda: accepting, max_sessions=max_sessions,
    )  # fmt: skip


async def test_admission_alone_holds_a_slot_until_released_and_refuses_past_capacity() -> None:
    part = admission(1)
    first = await part.admit(ConnectRequest(transport="test"))
    with pytest.raises(VoiceError) as full:
        await part.admit(ConnectRequest(transport="test"))
    assert full.value.code is ErrorCode.SESSION_LIMIT_EXCEEDED
    part.release(first)
    part.release(first)  # idempotent: the slot is given back once
    assert part.reserved == 0 and part.pending == {}
    await part.admit(ConnectRequest(transport="test"))


async def test_a_taken_admission_cannot_be_run_twice() -> None:
    part = admission(2)
    adm = await part.admit(ConnectRequest(transport="test"))
    part.take(adm)
    with pytest.raises(VoiceError) as again:
        part.take(adm)
    assert again.value.code is ErrorCode.SESSION_NOT_FOUND
    assert part.reserved == 0


async def test_admission_refuses_while_its_manager_is_not_accepting() -> None:
    with pytest.raises(VoiceError) as closed:
        await admission(5, accepting=False).admit(ConnectRequest(transport="test"))
    assert closed.value.code is ErrorCode.SESSION_LIMIT_EXCEEDED


async def test_admission_reports_a_refused_login_to_the_listeners() -> None:
    part = admission(
        5,
        hooks=Hooks(
            auth=TokenAuthHook(env="VOICEGRAPH_TEST_NO_TOKENS", tokens={"good": Principal(id="alice")})
        ),
    )
    with pytest.raises(VoiceError) as refused:
        await part.admit(ConnectRequest(transport="test", params={"token": "bad"}))
    assert refused.value.code is ErrorCode.AUTHENTICATION_FAILED
    (listener,) = part.events.listeners
    assert isinstance(listener, Requests)
    assert listener.seen == [("session.create", str(ErrorCode.AUTHENTICATION_FAILED))]
    assert part.reserved == 0


async def test_the_manager_shares_one_store_and_one_running_table_between_its_parts() -> None:
    manager = SessionManager(echo_graph, max_sessions=3)
    replacement = MemorySessionStore()
    manager.store = replacement
    assert manager.lifecycle.store is replacement and manager.admission.store is replacement
    assert manager.live is manager.lifecycle.live
    assert manager.owner == manager.ownership.id
    assert manager.stats() == {"active": 0, "recovered": 0, "turns_in_flight": 0, "admitting": 0}
    await manager.admit(ConnectRequest(transport="test"))
    assert manager.stats()["admitting"] == 1


def test_a_manager_needs_at_least_one_session_slot() -> None:
    with pytest.raises(VoiceError) as bad:
        SessionManager(echo_graph, max_sessions=0)
    assert bad.value.code is ErrorCode.INVALID_CONFIG
