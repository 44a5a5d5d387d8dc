"""The stock voice agent served cold: /health starting then ready, a call placed during preload answered."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.speech import synthesize

from .server_process import ServerProcess, serve_config

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CHUNK = 640  # 20 ms of 16 kHz s16


async def _health(url: str) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        answer = await http.get(url, timeout=5)
    return answer.status_code, answer.json()


async def _send_speech(ws: Any, pcm: bytes) -> None:
    """The caller's question and a second of silence, in 20 ms messages at real time."""
    audio = pcm + bytes(32000)
    for i in range(0, len(audio), CHUNK):
        await ws.send(audio[i : i + CHUNK])
        await asyncio.sleep(0.02)


async def _answer(ws: Any, timeout: float) -> tuple[list[str], int]:
    """The user's final transcripts and the bytes of bot audio, until the bot stops speaking."""
    transcripts: list[str] = []
    audio = 0
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.recv()
            if isinstance(msg, bytes):
                audio += len(msg)
                continue
            obj = json.loads(msg)
            if obj.get("type") == "transcript" and obj.get("final"):
                transcripts.append(obj["text"])
            if obj.get("type") == "error":
                raise AssertionError(f"server error: {obj}")
            if obj.get("type") == "bot_stopped_speaking" and audio:
                return transcripts, audio


async def test_call_during_preload_is_answered_once_ready(tmp_path: Path) -> None:
    from websockets.asyncio.client import connect

    question = synthesize("What is the capital of France?", engine="piper").astype(np.int16).tobytes()
    server = ServerProcess(serve_config(tmp_path, graph="voice-agent"), tmp_path)
    try:
        listening = await server.next_event("listening", timeout=60)
        status, body = await _health(listening["health"])
        assert (status, body["status"]) == (503, "starting")
        async with connect(listening["transport"]["url"], open_timeout=5) as ws:
            await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
            assert json.loads(await ws.recv())["type"] == "started"
            await _send_speech(ws, question)
            ready = await server.next_event("ready", timeout=240)
            assert ready["preload_s"] > 0
            status, body = await _health(ready["health"])
            assert status == 200 and body["status"] in ("healthy", "degraded")
            transcripts, audio = await _answer(ws, timeout=120)
        assert "france" in " ".join(transcripts).lower()
        assert audio > 16000  # over half a second of reply
        server.signal(signal.SIGTERM)
        assert await server.exit_code() == 0
    finally:
        server.stop()
