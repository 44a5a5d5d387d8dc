"""TranscriptionWriter: both sides' words to a LiveKit user, as LiveKit agents publish them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.framework.frames.bot_text import BotTextFrame
    from voicegraph.framework.frames.text import TranscriptFrame

log = logging.getLogger("voicegraph.transports.livekit")

TOPIC_TRANSCRIPTION = "lk.transcription"
"""Text stream topic LiveKit clients read transcriptions from."""
ATTR_SEGMENT_ID = "lk.segment_id"
ATTR_TRACK_ID = "lk.transcribed_track_id"
ATTR_FINAL = "lk.transcription_final"
ATTR_INTERRUPTED = "voicegraph.interrupted"
"""Ours (LiveKit has none): "true" on the close of a reply a barge-in cut."""
_MAX_JOBS = 512  # texts waiting for the SDK; more means it stalled: later texts are dropped


def _segment_id() -> str:
    return "SG_" + uuid.uuid4().hex[:12]


class TranscriptionWriter:
    """Publishes the agent's words as played and the user's transcripts on `lk.transcription`.

    The convention of LiveKit agents, which LiveKit's client components read: text
    streams on topic `lk.transcription` with attributes `lk.segment_id`,
    `lk.transcribed_track_id` (the audio track the words belong to) and
    `lk.transcription_final`. The agent's reply is one delta stream per reply: opened
    with `final` "false", each `BotTextFrame` delta written as its audio plays, closed
    with `final` "true" (plus `voicegraph.interrupted` "true" when a barge-in cut it;
    the words written are then only those heard). Each user transcript is a whole-text
    stream from the user (`sender_identity`, their microphone track), final or not, one
    segment id per utterance. Failures are logged, never raised: text must not stop audio.

    `submit_bot` / `submit_user` queue the work for a task of the writer's own, in order:
    an SDK call takes up to ~30 ms, and the playout loop that emits the text must not
    wait for it. `aclose` lets queued text go out (2 s at most), then stops the task.

    Args:
        to: the identity of the user who gets the streams.
    """

    def __init__(self, to: str) -> None:
        self._to = to
        self._bot: Any = None  # the open delta stream of the reply playing
        self._bot_text = ""
        self._user_segment = _segment_id()
        self._jobs: asyncio.Queue[Callable[[], Awaitable[None]]] | None = None
        self._worker: asyncio.Task[None] | None = None

    def submit_bot(self, room: Any, frame: BotTextFrame, track_sid: str) -> None:
        """Queue `bot_text(room, frame, track_sid)`."""
        self._submit(lambda: self.bot_text(room, frame, track_sid))

    def submit_user(self, room: Any, frame: TranscriptFrame, user_track_sid: str) -> None:
        """Queue `user_text(room, frame, user_track_sid)`."""
        self._submit(lambda: self.user_text(room, frame, user_track_sid))

    def _submit(self, job: Callable[[], Awaitable[None]]) -> None:
        if self._jobs is None:
            self._jobs = asyncio.Queue(maxsize=_MAX_JOBS)
            loop = asyncio.get_running_loop()  # owned here, stopped by aclose
            self._worker = loop.create_task(self._run(self._jobs), name=f"transcripts:{self._to}")
        if self._jobs.full():
            log.warning("transcriptions to %s: the SDK takes no more text; dropped", self._to)
            return
        self._jobs.put_nowait(job)

    @staticmethod
    async def _run(jobs: asyncio.Queue[Callable[[], Awaitable[None]]]) -> None:
        while True:
            job = await jobs.get()
            try:
                await job()
            finally:
                jobs.task_done()

    async def bot_text(self, room: Any, frame: BotTextFrame, track_sid: str) -> None:
        """Write one interim delta, or close the reply's stream on a final."""
        try:
            if frame.final:
                await self._close_bot(room, frame, track_sid)
                return
            if self._bot is None:
                self._bot_text = ""
                self._bot = await self._open(room, track_sid, _segment_id(), sender="")
            await self._bot.write(frame.text)
            self._bot_text += frame.text
        except Exception as exc:  # the SDK raises its own errors; the call goes on without text
            log.warning("cannot publish the agent's words to %s: %s", self._to, exc)

    async def _close_bot(self, room: Any, frame: BotTextFrame, track_sid: str) -> None:
        writer, self._bot = self._bot, None
        if writer is None:
            writer = await self._open(room, track_sid, _segment_id(), sender="")
            self._bot_text = ""
        rest = frame.text[len(self._bot_text) :] if frame.text.startswith(self._bot_text) else ""
        if rest:
            await writer.write(rest)
        closing = {ATTR_FINAL: "true", ATTR_TRACK_ID: track_sid}
        if frame.interrupted:
            closing[ATTR_INTERRUPTED] = "true"
        await writer.aclose(attributes=closing)

    async def user_text(self, room: Any, frame: TranscriptFrame, user_track_sid: str) -> None:
        """Publish a user transcript (whole text) on behalf of the user."""
        segment = self._user_segment
        if frame.final:
            self._user_segment = _segment_id()
        try:
            writer = await self._open(room, user_track_sid, segment, sender=self._to, final=frame.final)
            await writer.write(frame.text)
            await writer.aclose()
        except Exception as exc:
            log.warning("cannot publish the transcript of %s: %s", self._to, exc)

    async def _open(
        self, room: Any, track_sid: str, segment: str, *, sender: str, final: bool = False
    ) -> Any:
        attributes = {ATTR_FINAL: "true" if final else "false", ATTR_SEGMENT_ID: segment}
        if track_sid:
            attributes[ATTR_TRACK_ID] = track_sid
        return await room.local_participant.stream_text(
            topic=TOPIC_TRANSCRIPTION,
            attributes=attributes,
            destination_identities=[self._to],
            sender_identity=sender or None,
        )

    async def aclose(self) -> None:
        """Send what is queued (2 s at most), stop the task, close a reply left open."""
        jobs, worker, self._jobs, self._worker = self._jobs, self._worker, None, None
        if jobs is not None and worker is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    await jobs.join()
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        writer, self._bot = self._bot, None
        if writer is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await writer.aclose(attributes={ATTR_FINAL: "true"})
