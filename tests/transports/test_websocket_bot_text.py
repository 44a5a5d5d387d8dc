"""Raw WebSocket clients get the bot's words as played: `bot_text` JSON, then a final per reply.

Graph: the connection's input, a node that speaks each final transcript back (the
client types it), Piper, the connection's output; served on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.framework.frames import SentenceFrame, TranscriptFrame
from voicegraph.processors.tts.piper_tts import PiperTTS
from voicegraph.transports.connection import Connection

from .ws_helpers import serving

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

LINE = "The capital of France is Paris. It is on the river Seine, in the north of the country."


class ReadBack(Processor):
    """Speaks each final transcript back as one sentence per clause (and passes it on)."""

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        await out.send(frame)
        if frame.final:
            for sentence in re.split(r"(?<=\.)\s+", frame.text):
                await out.send(SentenceFrame(text=sentence))


def read_back_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), ReadBack(), PiperTTS(), conn.output())


async def bot_texts(ws: ClientConnection, *, cut_after_bytes: int | None = None) -> list[dict[str, Any]]:
    """Messages up to the final bot_text; sends an interrupt after `cut_after_bytes` of audio."""
    got: list[dict[str, Any]] = []
    audio = 0
    async for msg in ws:
        if isinstance(msg, bytes):
            audio += len(msg)
            if cut_after_bytes is not None and audio >= cut_after_bytes:
                cut_after_bytes = None
                await ws.send(json.dumps({"type": "interrupt"}))
            continue
        obj = json.loads(msg)
        got.append(obj)
        if obj["type"] == "bot_text" and obj["final"]:
            break
    return got


async def ask(ws: ClientConnection, text: str, *, cut_after_bytes: int | None = None) -> list[dict[str, Any]]:
    await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
    assert json.loads(await ws.recv())["type"] == "started"
    await ws.send(json.dumps({"type": "text", "text": text}))
    return await bot_texts(ws, cut_after_bytes=cut_after_bytes)


async def test_a_raw_client_gets_bot_text_deltas_then_the_whole_reply_as_final() -> None:
    async with serving(read_back_graph) as t, connect(t.url) as ws:
        got = await ask(ws, LINE)
    texts = [m for m in got if m["type"] == "bot_text"]
    *interims, final = texts
    assert final == {"type": "bot_text", "text": final["text"], "final": True, "interrupted": False}
    assert final["text"].split() == LINE.split()
    assert len(interims) > 3 and not any(m["final"] or m["interrupted"] for m in interims)
    assert "".join(m["text"] for m in interims).split() == LINE.split()
    assert {"type": "transcript", "text": LINE, "final": True} in got


async def test_a_cut_reply_ends_with_a_final_marked_interrupted_holding_the_words_played() -> None:
    second = 16000 * 2
    async with serving(read_back_graph) as t, connect(t.url) as ws:
        got = await ask(ws, LINE, cut_after_bytes=second)
    final = [m for m in got if m["type"] == "bot_text"][-1]
    heard = final["text"].split()
    assert final["final"] and final["interrupted"]
    assert 0 < len(heard) < len(LINE.split())
    assert heard == LINE.split()[: len(heard)]
    assert any(m["type"] == "clear" for m in got)
