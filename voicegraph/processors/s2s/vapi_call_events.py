"""VapiCallEvents: Vapi's JSON call-socket messages as voicegraph frames (I/O-free)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames import (
    InterimTranscriptFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    TranscriptFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.call import EndCallFrame
from voicegraph.processors.s2s.s2s_frames import BotTranscriptFrame
from voicegraph.processors.s2s.vapi_call_frames import VapiEventFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

ENDED_STATUSES = frozenset({"ended"})


@dataclass(slots=True)
class VapiReaction:
    """What one message means: frames to emit, and whether it barges in or ends the call."""

    frames: list[Frame] = field(default_factory=list)
    barge_in: bool = False
    """The user spoke over the assistant: cut its audio and flush the graph."""
    ended: str = ""
    """The call is over (the reason), or ''."""


class VapiCallEvents:
    """Turns Vapi call-socket messages into frames; tracks whether the assistant is speaking.

    Every message becomes a `VapiEventFrame`. Besides: `transcript` -> `TranscriptFrame`
    (user; `InterimTranscriptFrame` when partial) or `BotTranscriptFrame` (assistant);
    `speech-update` -> `ResponseStartFrame`/`ResponseEndFrame` (assistant, id `turn-<n>`)
    or `UserStartedSpeakingFrame`/`UserStoppedSpeakingFrame` (user, a barge-in while the
    assistant speaks); `user-interrupted` -> barge-in; `status-update` ended and
    `end-of-call-report` -> `EndCallFrame` (once). `hang` is Vapi's "the assistant is
    delayed" notice, not a hang-up: only its event frame goes out. Unparsable text is reported as an
    `error` event frame, never raised: a bad message must not end a call.
    """

    def __init__(self) -> None:
        self.assistant_speaking = False
        self.turn = 0
        self.ended = False
        self.messages = 0

    def react(self, text: str, now_ns: int) -> VapiReaction:
        """The reaction to one text frame of the call socket."""
        self.messages += 1
        try:
            msg = json.loads(text)
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            return VapiReaction([VapiEventFrame(event="error", payload={"raw": text[:200]})])
        kind = str(msg["type"]).split("[", 1)[0]
        out = VapiReaction([VapiEventFrame(event=kind, payload=msg)])
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, msg, out, now_ns)
        return out

    def _transcript(self, msg: dict[str, Any], out: VapiReaction, now_ns: int) -> None:
        text = str(msg.get("transcript", ""))
        final = msg.get("transcriptType", "final") == "final" or "final" in str(msg.get("type"))
        if msg.get("role") == "assistant":
            out.frames.append(BotTranscriptFrame(text=text, final=final, response_id=f"turn-{self.turn}"))
        elif final:
            out.frames.append(TranscriptFrame(text=text, speech_end_ns=now_ns))
        else:
            out.frames.append(InterimTranscriptFrame(text=text))

    def _speech(self, msg: dict[str, Any], out: VapiReaction, now_ns: int) -> None:
        started = msg.get("status") == "started"
        if msg.get("role") == "assistant":
            if started and not self.assistant_speaking:
                self.turn = int(msg.get("turn", self.turn + 1) or self.turn + 1)
                out.frames.append(ResponseStartFrame(response_id=f"turn-{self.turn}"))
            elif not started and self.assistant_speaking:
                out.frames.append(ResponseEndFrame(response_id=f"turn-{self.turn}"))
            self.assistant_speaking = started
        elif started:
            out.barge_in = self.assistant_speaking
            out.frames.append(UserStartedSpeakingFrame(speech_start_ns=now_ns))
        else:
            out.frames.append(UserStoppedSpeakingFrame(speech_end_ns=now_ns))

    def _interrupted(self, msg: dict[str, Any], out: VapiReaction, now_ns: int) -> None:
        out.barge_in = True
        if self.assistant_speaking:
            self.assistant_speaking = False
            out.frames.append(ResponseEndFrame(response_id=f"turn-{self.turn}"))

    def _status(self, msg: dict[str, Any], out: VapiReaction, now_ns: int) -> None:
        if msg.get("status") in ENDED_STATUSES:
            self._end(str(msg.get("endedReason") or "ended"), out)

    def _report(self, msg: dict[str, Any], out: VapiReaction, now_ns: int) -> None:
        self._end(str(msg.get("endedReason") or "ended"), out)

    def _end(self, reason: str, out: VapiReaction) -> None:
        if not self.ended:
            self.ended = True
            out.ended = reason
            out.frames.append(EndCallFrame(reason=f"vapi: {reason}"))

    def closed(self) -> VapiReaction:
        """The socket closed: the call is over (if no message said so before)."""
        out = VapiReaction()
        self._end("socket-closed", out)
        return out


_HANDLERS = {
    "transcript": VapiCallEvents._transcript,
    "speech-update": VapiCallEvents._speech,
    "user-interrupted": VapiCallEvents._interrupted,
    "status-update": VapiCallEvents._status,
    "end-of-call-report": VapiCallEvents._report,
}
