"""RequestTiming: when each stage of one agent request and its answer happened, and the
latency figures derived from it (voice to voice, engine time, framework overhead).

Not a turn tracker: the live one is `backends/turn_tracker.py` (`TurnTracker`, per user
turn, online). This is an offline analysis, cut per LLM request after the run, because
splitting an answer's latency into engine and overhead needs what surrounds the request:
every transcript before it, the caller's speech end, the engines' own compute times and
the reply text. It shares the live tracker's vocabulary (`STAGES`, `stage_of`,
`TimedEvent`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicegraph.backends.turn_tracker import STAGES, TimedEvent

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(slots=True)
class RequestTiming:
    """One agent request and the bot's answer, as times on the graph clock (ns; 0 = not seen).

    In the demo each request answers one caller line. `speech_end_ns` is the push time of
    the last speech sample when the caller knows it (`speech_end_source == "caller"`), else
    the VAD's estimate.
    """

    index: int
    request_ns: int
    speech_end_ns: int = 0
    speech_end_source: str = ""
    vad_stop_ns: int = 0
    turn_end_ns: int = 0
    transcript_ns: int = 0
    prev_transcript_ns: int = 0
    """An earlier transcript of the same turn (the STT may still have been busy with it)."""
    first_token_ns: int = 0
    first_sentence_ns: int = 0
    tts_audio_ns: int = 0
    audio_out_ns: int = 0
    stt_compute_ms: float | None = None
    llm_ttft_ms: float | None = None
    tts_ttfb_ms: float | None = None
    user_text: str = ""
    bot_text: str = ""
    """The reply as generated."""
    heard_text: str | None = None
    """The reply as the output reported it played (None: no report)."""
    interrupted: bool = False
    extra: dict[str, float] = field(default_factory=dict)

    def since_speech_end(self, t_ns: int) -> float | None:
        """Milliseconds from the end of the user's speech to `t_ns` (None if either is unknown)."""
        if not t_ns or not self.speech_end_ns:
            return None
        return (t_ns - self.speech_end_ns) / 1e6

    def stages(self) -> dict[str, float | None]:
        """Each stage of `STAGES` (the live `TurnTracker`'s names), in ms after the end of the
        user's speech."""
        times = {
            "vad": self.vad_stop_ns, "turn_end": self.turn_end_ns, "stt": self.transcript_ns,
            "agent_request": self.request_ns, "agent_first_token": self.first_token_ns,
            "tts_first_byte": self.tts_audio_ns, "first_audio_out": self.audio_out_ns,
        }  # fmt: skip
        return {k: self.since_speech_end(times[k]) for k in STAGES}

    @property
    def voice_to_voice_ms(self) -> float | None:
        """Last user speech sample to first bot sample played."""
        return self.since_speech_end(self.audio_out_ns)

    def engine_ms(self) -> float | None:
        """The critical path's engine compute plus configured waits (the part no framework removes).

        The request can go out once the transcript is computed (the STT starts at the VAD
        stop, or when it is done with an earlier piece of the turn) and, unless replies
        are preemptive, the turn has ended; then the LLM's time to first token, the
        tokens up to the first speakable piece, and the TTS's time to its first audio. A
        preemptive reply (requested before the turn end) plays at the later of its first
        audio and the turn end.
        """
        need = (self.vad_stop_ns, self.turn_end_ns, self.first_token_ns, self.first_sentence_ns)
        if not all(need) or not self.speech_end_ns:
            return None
        if self.stt_compute_ms is None or self.llm_ttft_ms is None or self.tts_ttfb_ms is None:
            return None
        stt_start = max(self.vad_stop_ns, self.prev_transcript_ns)
        transcribed = stt_start + int(self.stt_compute_ms * 1e6)
        preemptive = self.request_ns < self.turn_end_ns
        ready = transcribed if preemptive else max(transcribed, self.turn_end_ns)
        clause = (self.first_sentence_ns - self.first_token_ns) / 1e6
        audio = (ready - self.speech_end_ns) / 1e6 + self.llm_ttft_ms + clause + self.tts_ttfb_ms
        return max(audio, (self.turn_end_ns - self.speech_end_ns) / 1e6) if preemptive else audio

    @property
    def overhead_ms(self) -> float | None:
        """Voice-to-voice minus `engine_ms`: queues, task and thread hops, playout start."""
        v2v, engine = self.voice_to_voice_ms, self.engine_ms()
        return None if v2v is None or engine is None else v2v - engine


def assemble_requests(events: Sequence[TimedEvent]) -> list[RequestTiming]:
    """Group a session's events per LLM request, each with its answer.

    Events before a request (and after the previous one) describe the user's side of
    it; events after it (and before the next) the bot's answer.
    """
    ordered = sorted(events, key=lambda e: e.t_ns)
    asked = [e for e in ordered if e.kind == "agent_request"]
    requests = [e.t_ns for e in asked]
    turns: list[RequestTiming] = []
    for i, r in enumerate(requests):
        prev = requests[i - 1] if i else -1
        nxt = requests[i + 1] if i + 1 < len(requests) else None
        before = [e for e in ordered if prev < e.t_ns <= r]
        after = [e for e in ordered if e.t_ns >= r and (nxt is None or e.t_ns < nxt)]
        turn = RequestTiming(index=i + 1, request_ns=r)
        _user_side(turn, before, after)
        turn.user_text = asked[i].text or turn.user_text  # what the LLM was asked
        _bot_side(turn, after)
        turns.append(turn)
    return turns


def _last(events: Sequence[TimedEvent], kind: str) -> TimedEvent | None:
    return next((e for e in reversed(events) if e.kind == kind), None)


def _first(events: Sequence[TimedEvent], kind: str, after_ns: int = 0) -> TimedEvent | None:
    return next((e for e in events if e.kind == kind and e.t_ns >= after_ns), None)


def _user_side(turn: RequestTiming, before: Sequence[TimedEvent], after: Sequence[TimedEvent]) -> None:
    caller, vad = _last(before, "speech_end"), _last(before, "vad")
    if caller is not None:
        turn.speech_end_ns, turn.speech_end_source = caller.t_ns, "caller"
    elif vad is not None and vad.value:
        turn.speech_end_ns, turn.speech_end_source = int(vad.value), "vad"
    turn.vad_stop_ns = vad.t_ns if vad is not None else 0
    texts = [e for e in before if e.kind == "stt"]
    # This turn's end follows its speech; a preemptive request goes out before it.
    since = turn.vad_stop_ns or turn.speech_end_ns
    end = _first([*before, *after], "turn_end", since) if since else _last(before, "turn_end")
    turn.turn_end_ns = end.t_ns if end is not None else 0
    turn.user_text = " ".join(e.text for e in texts)
    if texts:
        turn.transcript_ns = texts[-1].t_ns
        turn.prev_transcript_ns = texts[-2].t_ns if len(texts) > 1 else 0
    stt = _last(before, "stt_compute")
    turn.stt_compute_ms = stt.value if stt is not None else None


def _bot_side(turn: RequestTiming, after: Sequence[TimedEvent]) -> None:
    token, ttft = _first(after, "agent_first_token"), _first(after, "llm_ttft")
    turn.first_token_ns = token.t_ns if token is not None else 0
    turn.llm_ttft_ms = ttft.value if ttft is not None else None
    sentence = _first(after, "first_sentence")
    turn.first_sentence_ns = sentence.t_ns if sentence is not None else 0
    audio = _first(after, "tts_first_byte")
    turn.tts_audio_ns = audio.t_ns if audio is not None else 0
    ttfb = _first(after, "tts_ttfb", turn.first_sentence_ns)
    turn.tts_ttfb_ms = ttfb.value if ttfb is not None else None
    out = _first(after, "first_audio_out")
    turn.audio_out_ns = out.t_ns if out is not None else 0
    end = _first(after, "llm_end")
    turn.bot_text = end.text if end is not None else ""
    played = _first(after, "reply_played")
    if played is not None:
        turn.heard_text, turn.interrupted = played.text, bool(played.value)
