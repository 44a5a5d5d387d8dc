"""Session stores: SQLite (default) and a real Redis keep, find, expire and delete records."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from voicegraph.backends.session import Session, SessionState, new_session_id
from voicegraph.backends.stores.base import SessionStore
from voicegraph.backends.stores.store_factory import create_store
from voicegraph.framework.errors import ErrorCode, VoiceError

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sessions.db'}"
    else:
        url = request.getfixturevalue("redis_url")
    s = create_store(url)
    await s.open()
    if request.param == "redis":  # a fresh key space per test
        s.prefix = f"test{new_session_id()}"  # type: ignore[attr-defined]
    try:
        yield s
    finally:
        await s.close()


def _session(**kw: object) -> Session:
    s = Session(id=new_session_id(), metadata={"caller": "bob"}, **kw)  # type: ignore[arg-type]
    s.conversation = {"messages": [{"role": "user", "content": "hi"}]}
    return s


async def test_a_saved_session_loads_back_equal(store: SessionStore) -> None:
    s = _session(resume_token="tok1")
    await store.save(s)
    loaded = await store.load(s.id)
    assert loaded is not None and loaded.to_record() == s.to_record()


async def test_sessions_are_listed_by_state(store: SessionStore) -> None:
    a, b = _session(), _session()
    b.state = SessionState.COMPLETED
    await store.save(a)
    await store.save(b)
    assert [x.id for x in await store.list(SessionState.ACTIVE)] == [a.id]
    assert [x.id for x in await store.list(SessionState.COMPLETED)] == [b.id]
    assert {x.id for x in await store.list()} == {a.id, b.id}


async def test_a_state_change_moves_the_session_between_lists(store: SessionStore) -> None:
    a = _session()
    await store.save(a)
    a.state = SessionState.COMPLETED
    await store.save(a)
    assert await store.list(SessionState.ACTIVE) == []


async def test_an_active_session_is_found_by_its_resume_token(store: SessionStore) -> None:
    a = _session(resume_token="resume-me")
    await store.save(a)
    found = await store.find_by_token("resume-me")
    assert found is not None and found.id == a.id
    assert await store.find_by_token("other") is None


async def test_a_completed_record_past_its_retention_is_gone(store: SessionStore) -> None:
    a = _session()
    a.state = SessionState.COMPLETED
    a.expires_at = time.time() - 1
    await store.save(a)
    assert await store.load(a.id) is None
    assert await store.list() == []


async def test_deleted_sessions_are_gone(store: SessionStore) -> None:
    a = _session(resume_token="t")
    await store.save(a)
    await store.delete(a.id)
    assert await store.load(a.id) is None
    assert await store.find_by_token("t") is None


async def test_an_unreachable_redis_fails_with_connection_failed() -> None:
    s = create_store("redis://127.0.0.1:1/0")
    with pytest.raises(VoiceError) as err:
        await s.ping()
    assert err.value.code is ErrorCode.CONNECTION_FAILED
    await s.close()


def test_an_unknown_store_scheme_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as err:
        create_store("mongo://x")
    assert err.value.code is ErrorCode.INVALID_CONFIG


async def test_node_state_and_turn_progress_load_back(store: SessionStore) -> None:
    s = _session()
    s.nodes = {"agent": {"script_position": 3}}
    s.progress = {"user": "hi", "played": "Hello", "settled": False}
    await store.save(s)
    loaded = await store.load(s.id)
    assert loaded is not None
    assert (loaded.nodes, loaded.progress) == (s.nodes, s.progress)
