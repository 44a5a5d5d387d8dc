"""SessionManager: ids, capacity under a burst, isolation, state, metadata, list/get/close."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from voicegraph.backends.session import SessionState
from voicegraph.backends.stores.memory_store import MemorySessionStore
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import TranscriptFrame

from .support import memory_backend, read_reply

pytestmark = pytest.mark.anyio


async def test_session_ids_are_unique_urlsafe_tokens_of_128_bits() -> None:
    async with memory_backend(max_sessions=300) as backend:
        clients = [await backend.transport.connect() for _ in range(200)]
        ids = [c.session_id for c in clients]
        for c in clients:
            await c.end()
    assert len(set(ids)) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", i) for i in ids)


async def test_a_burst_over_capacity_is_refused_at_once_with_session_limit_exceeded() -> None:
    async with memory_backend(max_sessions=10) as backend:
        t0 = time.perf_counter()
        results = await asyncio.gather(
            *(backend.transport.connect() for _ in range(100)), return_exceptions=True
        )
        elapsed = time.perf_counter() - t0
        admitted = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, VoiceError)]
        assert len(admitted) == 10
        assert len(refused) == 90
        assert {e.code for e in refused} == {ErrorCode.SESSION_LIMIT_EXCEEDED}
        assert all(e.retriable for e in refused)
        assert elapsed < 2.0
        for c in admitted:
            await c.end()


async def test_capacity_frees_when_a_session_ends() -> None:
    async with memory_backend(max_sessions=1) as backend:
        first = await backend.transport.connect()
        with pytest.raises(VoiceError) as refused:
            await backend.transport.connect()
        assert refused.value.code is ErrorCode.SESSION_LIMIT_EXCEEDED
        await first.end()
        await first.wait_finished()
        async with asyncio.timeout(5):
            await backend.manager.wait_ended()
        second = await backend.transport.connect()
        await second.end()


async def test_fifty_concurrent_sessions_never_see_each_others_words() -> None:
    async with memory_backend(max_sessions=60) as backend:
        clients = [await backend.transport.connect() for _ in range(50)]
        words = {c.session_id: f"zebra{i:02d}q" for i, c in enumerate(clients)}

        async def talk(client: object) -> tuple[str, str, str]:
            assert hasattr(client, "send_frame")
            sid = client.session_id  # type: ignore[attr-defined]
            await client.send_frame(TranscriptFrame(text=f"my word is {words[sid]}"))
            reply, frames = await read_reply(client)  # type: ignore[arg-type]
            transcript = " ".join(getattr(f, "text", "") for f in frames)
            context = str(backend.manager.get(sid).conversation)
            return sid, reply + " " + transcript, context

        results = await asyncio.gather(*(talk(c) for c in clients))
        for sid, seen, context in results:
            assert words[sid] in seen and words[sid] in context
            others = [w for s, w in words.items() if s != sid]
            assert not any(w in seen or w in context for w in others)
        for c in clients:
            await c.end()


async def test_a_session_is_active_while_running_and_forgotten_when_completed() -> None:
    store = MemorySessionStore()
    async with memory_backend(store=store) as backend:
        client = await backend.transport.connect()
        await client.send_frame(TranscriptFrame(text="hello"))
        await read_reply(client)
        assert backend.manager.get(client.session_id).state is SessionState.ACTIVE
        assert [s.id for s in await store.list(SessionState.ACTIVE)] == [client.session_id]
        await client.end()
        await client.wait_finished()
        async with asyncio.timeout(5):
            await backend.manager.wait_ended()
        assert await store.list() == []
        with pytest.raises(VoiceError) as gone:
            backend.manager.get(client.session_id)
        assert gone.value.code is ErrorCode.SESSION_NOT_FOUND


async def test_metadata_updates_are_kept_and_persisted() -> None:
    store = MemorySessionStore()
    async with memory_backend(store=store) as backend:
        client = await backend.transport.connect()
        await asyncio.sleep(0.05)
        await backend.manager.update_metadata(client.session_id, {"caller": "alice", "lang": "en"})
        assert backend.manager.get(client.session_id).metadata == {"caller": "alice", "lang": "en"}
        saved = await store.load(client.session_id)
        assert saved is not None and saved.metadata["caller"] == "alice"
        await client.end()


async def test_list_get_and_close_manage_running_sessions() -> None:
    async with memory_backend() as backend:
        a = await backend.transport.connect()
        b = await backend.transport.connect()
        await asyncio.sleep(0.05)
        assert {s.id for s in backend.manager.list()} == {a.session_id, b.session_id}
        assert backend.manager.get(a.session_id).id == a.session_id
        await backend.manager.close(a.session_id)
        await a.wait_finished()
        async with asyncio.timeout(5):
            await backend.manager.wait_ended(a.session_id)
        assert {s.id for s in backend.manager.list()} == {b.session_id}
        await b.end()


async def test_get_hands_out_copies_that_cannot_change_the_session() -> None:
    async with memory_backend() as backend:
        client = await backend.transport.connect()
        await asyncio.sleep(0.05)
        copy = backend.manager.get(client.session_id)
        copy.metadata["injected"] = True
        assert "injected" not in backend.manager.get(client.session_id).metadata
        await client.end()
