"""A session graph that answers RTVI client-messages: for `test_app_messages.py` (served by config)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.transports.rtvi import RTVIClientMessageFrame, RTVIServerMessageFrame

if TYPE_CHECKING:
    from voicegraph.transports.connection import Connection


class Counter(Processor):
    """Answers each `count` client-message with the running count, and says so in a server-message."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    @handles
    async def on_client_message(self, frame: RTVIClientMessageFrame, out: Outbox) -> None:
        self.count += int(frame.data.get("by", 1)) if isinstance(frame.data, dict) else 1
        await out.send(
            RTVIServerMessageFrame(kind=frame.kind, data={"count": self.count}, reply_to=frame.msg_id)
        )
        await out.send(RTVIServerMessageFrame(data={"event": "counted", "count": self.count}))


def build(conn: Connection) -> Graph:
    """input -> Counter -> output."""
    return Graph.chain(conn.input(), Counter(), conn.output())
