"""Recovery at start: orphaned active sessions (their process died) become resumable, stale
ones are completed, and sessions of live processes are left alone."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from voicegraph.backends.hooks import Hooks, Principal, TokenAuthHook
from voicegraph.backends.session import Session, new_session_id
from voicegraph.backends.session_owner import SessionOwner
from voicegraph.backends.stores.base import SessionStore
from voicegraph.backends.stores.store_factory import create_store
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import TranscriptFrame

from .support import memory_backend, read_reply

pytestmark = pytest.mark.anyio


def _dead_owner() -> str:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"{SessionOwner.HOST}:{proc.pid}:deadbeef"


async def _orphan(store: SessionStore, *, age_s: float = 0.0, principal: str = "anonymous") -> Session:
    s = Session(
        id=new_session_id(), owner=_dead_owner(), principal=principal, resume_token="tok-" + new_session_id()
    )
    s.conversation = {
        "messages": [{"role": "user", "content": "my name is Ada"}, {"role": "assistant", "content": "ok"}]
    }
    s.position = {"turns": 1}
    s.updated_at = time.time() - age_s
    await store.save(s)
    return s


@pytest.fixture
async def store(tmp_path: Path) -> SessionStore:
    return create_store(f"sqlite:///{tmp_path / 's.db'}")


async def test_an_orphaned_session_is_recovered_and_resumes_with_its_context(store: SessionStore) -> None:
    orphan = await _orphan(store)
    async with memory_backend(store=store) as backend:
        assert list(backend.manager.recovered) == [orphan.id]
        client = await backend.transport.connect(resume=orphan.id)
        assert client.session_id == orphan.id
        await client.send_frame(TranscriptFrame(text="what is my name"))
        reply, _ = await read_reply(client)
        assert reply.endswith("(turn 2)")
        assert "Ada" in str(backend.manager.get(orphan.id).conversation)
        await client.end()


async def test_a_client_may_resume_with_its_old_resume_token(store: SessionStore) -> None:
    orphan = await _orphan(store)
    async with memory_backend(store=store) as backend:
        client = await backend.transport.connect(resume=orphan.resume_token)
        assert client.session_id == orphan.id
        await client.end()


async def test_an_orphan_older_than_the_resume_window_is_completed(store: SessionStore) -> None:
    stale = await _orphan(store, age_s=3600)
    async with memory_backend(store=store) as backend:
        assert backend.manager.recovered == {}
        with pytest.raises(VoiceError) as err:
            await backend.transport.connect(resume=stale.id)
        assert err.value.code is ErrorCode.SESSION_NOT_FOUND
    await store.open()  # the backend closed it
    assert await store.load(stale.id) is None
    await store.close()


async def test_a_session_running_in_another_live_manager_cannot_be_taken(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    async with memory_backend(store=create_store(url)) as first:
        running = await first.transport.connect()
        await running.send_frame(TranscriptFrame(text="hello"))
        await read_reply(running)
        async with memory_backend(store=create_store(url)) as second:
            assert running.session_id not in second.manager.recovered
            with pytest.raises(VoiceError) as err:
                await second.transport.connect(resume=running.session_id)
            assert err.value.code is ErrorCode.SESSION_NOT_FOUND
        await running.end()


async def test_another_principal_cannot_resume_a_session(store: SessionStore) -> None:
    orphan = await _orphan(store, principal="alice")
    tokens = {"a": Principal(id="alice"), "b": Principal(id="bob")}
    async with memory_backend(store=store, hooks=Hooks(auth=TokenAuthHook(tokens=tokens))) as backend:
        with pytest.raises(VoiceError) as err:
            await backend.transport.connect(resume=orphan.id, params={"token": "b"})
        assert err.value.code is ErrorCode.AUTHORIZATION_FAILED
        client = await backend.transport.connect(resume=orphan.id, params={"token": "a"})
        await client.end()


async def test_two_clients_racing_to_resume_one_session_get_it_once(store: SessionStore) -> None:
    import asyncio

    orphan = await _orphan(store)
    async with memory_backend(store=store) as backend:
        results = await asyncio.gather(
            *(backend.transport.connect(resume=orphan.id) for _ in range(2)), return_exceptions=True
        )
        won = [r for r in results if not isinstance(r, BaseException)]
        lost = [r for r in results if isinstance(r, VoiceError)]
        assert len(won) == 1 and [e.code for e in lost] == [ErrorCode.SESSION_NOT_FOUND]
        await won[0].end()


async def test_a_resumed_session_continues_the_agent_layers_context(store: SessionStore) -> None:
    from typing import Any

    from voicegraph.framework import Graph
    from voicegraph.processors.agent.scripted_agent import ScriptedAgent
    from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator

    contexts: list[ConversationContext] = []

    def agent_graph(conn: Any) -> Graph:
        ctx = ConversationContext()
        contexts.append(ctx)
        return Graph.chain(
            conn.input(), UserAggregator(context=ctx), ScriptedAgent(default="noted"),
            AssistantAggregator(context=ctx), conn.output(),
        )  # fmt: skip

    orphan = await _orphan(store)
    async with memory_backend(agent_graph, store=store) as backend:
        client = await backend.transport.connect(resume=orphan.id)
        await client.send_frame(TranscriptFrame(text="what is my name"))
        await read_reply(client)
        history = contexts[-1].history()
        assert [m["content"] for m in history] == ["my name is Ada", "ok", "what is my name", "noted"]
        assert backend.manager.get(orphan.id).conversation["messages"] == history
        await client.end()
