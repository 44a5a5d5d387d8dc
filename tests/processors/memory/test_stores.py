"""Memory stores: in memory, and SQLite on disk surviving a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.memory import InMemoryStore, MemoryStore, SQLiteMemoryStore

pytestmark = pytest.mark.anyio

TURN = [{"role": "user", "content": "Hi, I'm Ada."}, {"role": "assistant", "content": "Hello Ada!"}]


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> MemoryStore:
    return InMemoryStore() if request.param == "memory" else SQLiteMemoryStore(tmp_path / "m.db")


async def test_appended_messages_load_back_in_order(store: MemoryStore) -> None:
    await store.append("s1", TURN)
    await store.append("s1", [{"role": "user", "content": "ça va?"}])
    loaded = await store.load("s1")
    assert loaded.messages == [*TURN, {"role": "user", "content": "ça va?"}]
    assert (await store.load("other")).messages == []
    await store.aclose()


async def test_compaction_drops_the_oldest_messages_and_keeps_the_summary(store: MemoryStore) -> None:
    await store.append("s1", [*TURN, {"role": "user", "content": "book it"}])
    await store.compact("s1", 2, "Ada said hello.")
    loaded = await store.load("s1")
    assert (loaded.messages, loaded.summary) == ([{"role": "user", "content": "book it"}], "Ada said hello.")
    await store.aclose()


async def test_deleted_sessions_are_forgotten(store: MemoryStore) -> None:
    await store.append("a", TURN)
    await store.append("b", TURN)
    await store.delete("a")
    assert await store.sessions() == ["b"]
    await store.aclose()


async def test_the_sqlite_store_survives_closing_and_reopening(tmp_path: Path) -> None:
    first = SQLiteMemoryStore(tmp_path / "calls" / "memory.db")
    await first.append("caller-42", TURN)
    await first.compact("caller-42", 1, "summary")
    await first.aclose()
    second = SQLiteMemoryStore(tmp_path / "calls" / "memory.db")
    loaded = await second.load("caller-42")
    await second.aclose()
    assert (loaded.messages, loaded.summary) == (TURN[1:], "summary")


async def test_a_closed_sqlite_store_refuses_work_with_a_coded_error(tmp_path: Path) -> None:
    store = SQLiteMemoryStore(tmp_path / "m.db")
    await store.aclose()
    with pytest.raises(VoiceError) as info:
        await store.load("x")
    assert info.value.code is ErrorCode.PIPELINE_ERROR


def test_a_file_that_is_not_a_database_is_invalid_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all, just text" * 100)
    with pytest.raises(VoiceError) as info:
        SQLiteMemoryStore(bad)
    assert info.value.code is ErrorCode.INVALID_CONFIG
