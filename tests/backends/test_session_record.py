"""SessionRecord: a resumed session's record keeps its conversation and node state from the
first save on (the one claiming it, before its graph's contexts hold the conversation)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from voicegraph.backends.session import Session, new_session_id
from voicegraph.backends.session_owner import SessionOwner
from voicegraph.backends.stores.base import SessionStore
from voicegraph.backends.stores.memory_store import MemorySessionStore
from voicegraph.backends.stores.store_factory import create_store
from voicegraph.framework.frames import TranscriptFrame

from .support import memory_backend, read_reply

pytestmark = pytest.mark.anyio

SPEC: dict[str, Any] = {
    "name": "scripted",
    "nodes": [
        {"id": "user_context", "type": "user_aggregator", "params": {"context": "main"}},
        {"id": "agent", "type": "scripted_agent", "params": {"script": ["First line.", "Second line."]}},
        {"id": "assistant_context", "type": "assistant_aggregator", "params": {"context": "main"}},
    ],
}
HISTORY = [{"role": "user", "content": "my name is Ada"}, {"role": "assistant", "content": "First line."}]


def _orphan() -> Session:
    proc = subprocess.Popen(["true"])
    proc.wait()
    s = Session(id=new_session_id(), owner=f"{SessionOwner.HOST}:{proc.pid}:deadbeef")
    s.conversation = {"messages": list(HISTORY), "summary": ""}
    s.nodes = {"agent": {"script_position": 1}}
    s.position = {"turns": 1}
    s.updated_at = time.time()
    return s


async def _owned_by(store: SessionStore, session_id: str, owner: str) -> Session:
    async with asyncio.timeout(5):
        while True:
            found = await store.load(session_id)
            if found is not None and found.owner == owner:
                return found
            await asyncio.sleep(0.01)


async def test_the_save_claiming_a_resumed_session_keeps_its_conversation(tmp_path: Path) -> None:
    store = create_store(f"sqlite:///{tmp_path / 's.db'}")
    orphan = _orphan()
    await store.save(orphan)
    async with memory_backend(SPEC, store=store) as backend:
        client = await backend.transport.connect(resume=orphan.id)
        peek = create_store(f"sqlite:///{tmp_path / 's.db'}")
        claimed = await _owned_by(peek, orphan.id, backend.manager.owner)
        assert claimed.conversation["messages"] == HISTORY
        assert claimed.nodes == {"agent": {"script_position": 1}}
        await client.send_frame(TranscriptFrame(text="and now"))
        reply, _ = await read_reply(client)
        assert reply == "Second line."
        await client.end()
        await peek.close()


class _ThreadWritingStore(MemorySessionStore):
    """A store that writes from a worker thread and takes its time, as SQLite does under
    load: cancelling the task that awaits a save does not stop the write."""

    def _write(self, session: Session) -> None:
        time.sleep(0.3)
        self._records[session.id] = session.copy()

    async def save(self, session: Session) -> None:
        await asyncio.to_thread(self._write, session)


async def test_a_save_under_way_when_the_session_ends_does_not_bring_its_record_back() -> None:
    store = _ThreadWritingStore()
    async with memory_backend(SPEC, store=store) as backend:
        client = await backend.transport.connect()
        session_id = client.session_id
        await client.send_frame(TranscriptFrame(text="hello"))  # final words: a save starts
        await asyncio.sleep(0.05)
        await client.end()  # ends while the save is in its thread
        await backend.manager.wait_ended(session_id)
    await asyncio.sleep(0.5)  # any write still in a thread has landed by now
    assert await store.load(session_id) is None, "the completed session came back as a ghost record"
