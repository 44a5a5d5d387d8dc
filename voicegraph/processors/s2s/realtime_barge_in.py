"""RealtimeBargeIn: cuts the bot off and makes the model's memory match what the user heard."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.processors.s2s.realtime_client_events import cancel_response, truncate_item
from voicegraph.processors.s2s.s2s_frames import BotTranscriptFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames.system import ReplyPlayedFrame
    from voicegraph.processors.s2s.realtime_dialog import RealtimeDialog
    from voicegraph.processors.s2s.reply_audio_ledger import ReplyAudio


@dataclass(frozen=True, slots=True)
class Truncation:
    """One `conversation.item.truncate` sent after a barge-in."""

    response_id: str
    item_id: str
    audio_end_ms: int
    received_ms: int
    """Audio of the item that had arrived from the provider."""
    source: str
    """`played` (the output transport's report) or `estimate` (no report in time)."""


class RealtimeBargeIn:
    """The interruption side of a realtime dialog.

    `interrupt` (from the node's `InterruptFrame` handler, whoever asked for it): every
    reply the user may be hearing is cut; its queued frames are dropped and its end
    marker goes out; a reply still being generated gets `response.cancel`. Then, per cut
    reply, a task waits up to `played_wait_s` for the output's `ReplyPlayedFrame`
    (`played`), or else estimates the position from the audio emitted minus what is
    still queued downstream, and sends `conversation.item.truncate` with that
    `audio_end_ms`. The local conversation keeps the heard words only, and a final
    `BotTranscriptFrame(interrupted=True)` carries them.
    """

    def __init__(self, dialog: RealtimeDialog) -> None:
        self._d = dialog
        self.truncations: deque[Truncation] = deque(maxlen=100)
        """The latest truncations sent (most recent last)."""
        self.cancels = 0
        """`response.cancel` events sent."""
        self._waiters: dict[str, asyncio.Future[None]] = {}

    async def interrupt(self) -> None:
        """Cut every live reply (cancel, drop queued output, truncate in the background)."""
        d = self._d
        cut = d.ledger.cut(d.now())
        if not cut:
            return
        ids = {r.response_id for r in cut}
        d.emitter.drop(ids)
        for rid in ids:
            d.output.close_reply(rid, tag="")
        d.pending = None  # a reply queued behind the cut one (after tools) is no longer wanted
        if d.active in ids:
            self.cancels += 1
            await d.client.send(cancel_response(d.active or ""))
        for reply in cut:
            d.ctx.spawn(self._truncate(reply), name=f"{d.name}:truncate")

    def played(self, report: ReplyPlayedFrame) -> None:
        """The output transport reported a reply's played audio."""
        self._d.ledger.played(report)
        waiter = self._waiters.get(report.response_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait_report(self, reply: ReplyAudio) -> None:
        wait = self._d.options.played_wait_s
        if reply.played is not None or reply.first_emit_at is None or wait <= 0:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[reply.response_id] = waiter
        try:
            async with asyncio.timeout(wait):
                await waiter
        except TimeoutError:
            pass
        finally:
            self._waiters.pop(reply.response_id, None)

    async def _truncate(self, reply: ReplyAudio) -> None:
        await self._wait_report(reply)
        d = self._d
        report = reply.played
        if report is not None:
            played_ns, source = report.played_ns, "played"
        else:
            played_ns, source = d.ledger.estimate_played(reply, d.now()), "estimate"
        sizes = dict(reply.items)
        for item_id, ms in d.ledger.truncation_points(reply, played_ns):
            await d.client.send(truncate_item(item_id, ms))
            item_ns = sizes.get(item_id, 0)
            hint = report.text_played if report is not None and len(sizes) == 1 else ""
            heard = d.log.truncate(item_id, ms * 1e6 / item_ns if item_ns else 0.0, hint)
            self.truncations.append(Truncation(reply.response_id, item_id, ms, item_ns // 1_000_000, source))
            if d.options.bot_transcripts:
                final = BotTranscriptFrame(
                    text=heard, final=True, interrupted=True, response_id=reply.response_id, item_id=item_id
                )
                d.emitter.put("", final)
