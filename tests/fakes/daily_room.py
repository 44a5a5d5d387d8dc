"""The room side of the daily-python stand-in: remote users, their speech, what the agent sent.

A `FakeDailyServer` holds rooms by URL; a test adds users to a room, makes them speak
real audio (`FakeDailyUser.say`), send app messages or leave, and reads what the agent
published (`FakeDailyRoom.tracks`: the virtual microphone as "microphone", custom audio
tracks by name). Speech is a function of time: what a user says between two instants
is computed on demand, so every renderer and the mixed speaker hear the same thing.
See tests/fakes/daily_call_client.py for the SDK surface itself.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import soxr
from numpy.typing import NDArray

if TYPE_CHECKING:
    from tests.fakes.daily_call_client import FakeCallClient
    from tests.fakes.daily_rest import FakeDailyRest

_ids = itertools.count(1)


@dataclass
class TrackLog:
    """Audio the agent wrote to one track: `(time.monotonic_ns(), pcm bytes)` per write."""

    rate: int = 16000
    chunks: list[tuple[int, bytes]] = field(default_factory=list)

    def write(self, data: bytes) -> None:
        self.chunks.append((time.monotonic_ns(), bytes(data)))

    def audio(self, after_ns: int = 0) -> NDArray[np.int16]:
        """Everything written after `after_ns`, as int16 samples."""
        data = b"".join(d for t, d in self.chunks if t >= after_ns)
        return np.frombuffer(data, dtype="<i2").astype(np.int16)

    def loud_times(self, after_ns: int = 0, threshold: float = 300.0) -> list[int]:
        """Times of the writes after `after_ns` whose RMS exceeds `threshold` (speech)."""
        out = []
        for t, d in list(self.chunks):
            x = np.frombuffer(d, dtype="<i2").astype(np.float64)
            if t >= after_ns and x.size and float(np.sqrt(np.mean(x * x))) > threshold:
                out.append(t)
        return out


@dataclass
class _Utterance:
    start_s: float
    pcm16k: NDArray[np.int16]

    @functools.cache  # noqa: B019 - a handful of utterances per test, each at one or two rates
    def at(self, rate: int) -> NDArray[np.int16]:
        if rate == 16000:
            return self.pcm16k
        y = soxr.resample(self.pcm16k.astype(np.float32), 16000, rate, quality="HQ")
        out: NDArray[np.int16] = np.clip(np.round(y), -32768, 32767).astype(np.int16)
        return out

    def __hash__(self) -> int:
        return id(self)


class FakeDailyUser:
    """A remote participant: speaks real audio, sends and receives app messages, leaves."""

    def __init__(self, room: FakeDailyRoom, user_name: str) -> None:
        self.room = room
        self.id = f"participant-{next(_ids)}-{user_name}"
        self.user_name = user_name
        self.app_messages: list[Any] = []
        """App messages the agent sent to this user (directly or broadcast), in order."""
        self._speech: list[_Utterance] = []
        self._lock = threading.Lock()

    def participant(self) -> dict[str, Any]:
        """The participant dict the SDK reports for this user."""
        return {"id": self.id, "info": {"userName": self.user_name, "isLocal": False, "isOwner": False},
                "media": {"microphone": {"state": "playable"}}}  # fmt: skip

    def say(self, pcm16k: NDArray[np.int16]) -> int:
        """Start speaking (after what is still being said); returns the end, monotonic ns."""
        with self._lock:
            start = time.monotonic()
            if self._speech:
                last = self._speech[-1]
                start = max(start, last.start_s + len(last.pcm16k) / 16000)
            self._speech.append(_Utterance(start, pcm16k))
        return int((start + len(pcm16k) / 16000) * 1e9)

    def samples(self, start_s: float, count: int, rate: int) -> NDArray[np.int16]:
        """What this user says in the `count` samples at `rate` from `start_s` (monotonic s)."""
        out = np.zeros(count, np.int16)
        with self._lock:
            speech = list(self._speech)
        for u in speech:
            pcm = u.at(rate)
            offset = round((start_s - u.start_s) * rate)
            lo, hi = max(0, offset), min(len(pcm), offset + count)
            if lo < hi:
                out[lo - offset : hi - offset] = pcm[lo:hi]
        return out

    def send_app_message(self, message: Any) -> None:
        """Send `message` to the agent(s) in the room (`on_app_message(message, self.id)`)."""
        for client in self.room.joined_clients():
            client.emit("on_app_message", message, self.id)

    def leave(self, reason: str = "leftCall") -> None:
        """Leave the room (`on_participant_left(participant, reason)`)."""
        self.room.users.pop(self.id, None)
        for client in self.room.joined_clients():
            client.stop_renderers(self.id)
            client.emit("on_participant_left", self.participant(), reason)


class FakeDailyRoom:
    """One room: its users, the agent clients in it and the audio the agents published."""

    def __init__(self, server: FakeDailyServer, url: str) -> None:
        self.server = server
        self.url = url
        self.users: dict[str, FakeDailyUser] = {}
        self.clients: list[FakeCallClient] = []
        self.tracks: dict[str, TrackLog] = {}
        """Audio the agents published, by track name ("microphone" for the virtual microphone)."""
        self.subscriptions: list[dict[str, Any]] = []

    def joined_clients(self) -> list[FakeCallClient]:
        return [c for c in self.clients if c.joined]

    def add_user(self, user_name: str) -> FakeDailyUser:
        """A user joins; joined agents get `on_participant_joined`."""
        user = FakeDailyUser(self, user_name)
        self.users[user.id] = user
        for client in self.joined_clients():
            client.emit("on_participant_joined", user.participant())
        return user

    def track(self, name: str, rate: int = 16000) -> TrackLog:
        return self.tracks.setdefault(name, TrackLog(rate))

    def mixed(self, start_s: float, count: int, rate: int) -> NDArray[np.int16]:
        """Every user's speech mixed (what a subscribed speaker plays)."""
        total = np.zeros(count, np.int32)
        for user in list(self.users.values()):
            total += user.samples(start_s, count, rate)
        return np.clip(total, -32768, 32767).astype(np.int16)

    def drop_agents(self, message: str = "network connection lost") -> None:
        """The agents lose the call: `on_error(message)`, then call state "left"."""
        for client in self.joined_clients():
            client.drop(message)


class FakeDailyServer:
    """Daily as the stand-in sees it: rooms by URL, join faults, accepted tokens.

    Attributes:
        join_errors: error strings the next joins fail with, in order (then joins work).
        tokens: accepted meeting tokens (None: any token, or none, is accepted).
    """

    def __init__(self, rest: FakeDailyRest | None = None) -> None:
        self.rest = rest
        """A REST fake whose rooms can be joined and whose tokens are checked (room and expiry)."""
        self.rooms: dict[str, FakeDailyRoom] = {}
        self.join_errors: list[str] = []
        self.tokens: set[str] | None = None
        self.joins = 0
        self.microphones: dict[str, Any] = {}
        self.speakers: dict[str, Any] = {}
        self.selected_speaker = ""
        self.initialised = 0
        self.stand_in: Any = None
        """The module-like stand-in bound to this server (made on first `sdk`)."""

    def find_room(self, url: str) -> FakeDailyRoom | None:
        """The room at `url`: one made with `room`, or one the REST fake has."""
        url = url.rstrip("/")
        if url not in self.rooms and self.rest is not None:
            room = self.rest.rooms.get(url.rsplit("/", 1)[-1])
            if room is not None and room["url"] == url:
                return self.room(url)
        return self.rooms.get(url)

    def token_error(self, url: str, token: str | None) -> str | None:
        """Why `token` may not join `url` (None: it may)."""
        if self.tokens is not None and token not in self.tokens:
            return "invalid meeting token: not allowed to join"
        if self.rest is None or token is None:
            return None
        props = self.rest.tokens.get(token)
        if props is None:
            return "invalid meeting token: not allowed to join"
        if props.get("room_name") not in (None, url.rstrip("/").rsplit("/", 1)[-1]):
            return "meeting token is for another room: not allowed to join"
        if isinstance(props.get("exp"), int | float) and props["exp"] < time.time():
            return "meeting token expired: not allowed to join"
        return None

    def room(self, url: str) -> FakeDailyRoom:
        """The room at `url` (created on first use)."""
        return self.rooms.setdefault(url.rstrip("/"), FakeDailyRoom(self, url.rstrip("/")))

    @property
    def sdk(self) -> Any:
        """A module-like object with daily-python's names, bound to this server."""
        from tests.fakes.daily_call_client import stand_in_sdk

        return stand_in_sdk(self)
