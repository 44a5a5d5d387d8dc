"""TranscriptionWriter: both sides' words to a LiveKit user, as LiveKit agents publish them."""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

    Args:
        to: the identity of the user who gets the streams.
    """

    def __init__(self, to: str) -> None:
        self._to = to
        self._bot: Any = None  # the open delta stream of the reply playing
        self._bot_text = ""
        self._user_segment = _segment_id()

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
        """Close a reply stream left open (the session ends mid-reply)."""
        writer, self._bot = self._bot, None
        if writer is not None:
            with contextlib.suppress(Exception):
                await writer.aclose(attributes={ATTR_FINAL: "true"})
