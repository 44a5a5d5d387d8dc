"""A stand-in for daily-python's `CallClient` and friends, bound to a `FakeDailyServer`.

Follows the SDK surface in shared/protocols/daily.md §2 and daily-python 0.36's type
stubs: `Daily.init/create_microphone_device/create_speaker_device/select_speaker_device`,
`CallClient(event_handler)` with `join(meeting_url, meeting_token, client_settings,
completion)`, `leave(completion)`, `release()`, `set_user_name`, `participants()`,
`update_subscriptions(participant_settings=, profile_settings=)`,
`update_subscription_profiles`, `send_app_message(message, participant_id,
serialize_none, completion)`, `set_audio_renderer(participant_id, callback,
audio_source, sample_rate, callback_interval_ms)`, `add_custom_audio_track(track_name,
audio_track)` / `remove_custom_audio_track`; `EventHandler` callbacks
(`on_participant_joined/left`, `on_app_message`, `on_call_state_updated`, `on_error`);
`CustomAudioSource(sample_rate, channels)` / `CustomAudioTrack(source)`; audio as s16le
bytes with `AudioData.audio_frames`. Like the SDK, events and completions arrive on
the client's own thread, renderers on theirs (one per renderer, paced in real time),
and the speaker's `read_frames` blocks for the audio's duration. What it cannot show:
Daily's media servers, codecs, network jitter.

    server = FakeDailyServer()
    room = server.room("https://vg.daily.co/demo")
    transport = DailyTransport(DailyConfig(room_url=room.url), factory, sdk=server.sdk)
    alice = room.add_user("alice"); alice.say(pcm16k)
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from tests.fakes.daily_media import AudioData, CustomAudioSource, CustomAudioTrack, Microphone, Speaker
from tests.fakes.daily_room import FakeDailyRoom, FakeDailyServer

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["FakeCallClient", "FakeDailyServer", "stand_in_sdk"]


class EventHandler:
    """daily.EventHandler: subclass it and override the `on_*` callbacks you want."""


class FakeCallClient:
    """daily.CallClient against a `FakeDailyServer` (see the module docstring)."""

    server: FakeDailyServer  # bound by stand_in_sdk

    def __init__(self, event_handler: Any = None) -> None:
        if event_handler is not None and not isinstance(event_handler, self._handler_type):
            raise TypeError("event_handler must be a daily.EventHandler")
        self.handler = event_handler
        self.id = f"agent-{uuid.uuid4().hex[:8]}"
        self.user_name = ""
        self.joined = False
        self.released = False
        self.room: FakeDailyRoom | None = None
        self.settings: Mapping[str, Any] = {}
        self.subscription_profiles: Mapping[str, Any] = {}
        self.tracks: dict[str, CustomAudioSource] = {}
        self._renderers: dict[str, threading.Event] = {}
        self._events: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        threading.Thread(target=self._dispatch, name=f"daily-events-{self.id}", daemon=True).start()

    _handler_type: type = EventHandler

    # -- the SDK's thread ---------------------------------------------------------------
    def _dispatch(self) -> None:
        while (item := self._events.get()) is not None:
            fn, args = item[0], item[1:]
            fn(*args)

    def emit(self, event: str, *args: Any) -> None:
        """Call `event` on the handler, from this client's event thread."""
        method = getattr(self.handler, event, None)
        if method is not None and not self.released:
            self._events.put((method, *args))

    def _complete(self, completion: Callable[..., None] | None, *args: Any) -> None:
        if completion is not None:
            self._events.put((completion, *args))

    # -- call -----------------------------------------------------------------------------
    def set_user_name(self, user_name: str) -> None:
        self.user_name = user_name

    def join(
        self,
        meeting_url: str,
        meeting_token: str | None = None,
        client_settings: Mapping[str, Any] | None = None,
        completion: Callable[[Mapping[str, Any] | None, str | None], None] | None = None,
    ) -> None:
        server = self.server
        server.joins += 1
        room = server.find_room(meeting_url)
        error = server.join_errors.pop(0) if server.join_errors else None
        if error is None and room is None:
            error = f"room {meeting_url} not found"
        if error is None:
            error = server.token_error(meeting_url, meeting_token)
        if error is not None or room is None:
            self._complete(completion, None, error)
            return
        self.room, self.settings, self.joined = room, dict(client_settings or {}), True
        room.clients.append(self)
        self.emit("on_call_state_updated", "joined")
        data = {
            "participants": {"local": self.participants()["local"]},
            "meetingSession": {"id": uuid.uuid4().hex},
        }
        self._complete(completion, data, None)

    def leave(self, completion: Callable[[str | None], None] | None = None) -> None:
        self._leave_room()
        self.emit("on_call_state_updated", "left")
        self._complete(completion, None)

    def release(self) -> None:
        self._leave_room()
        self.released = True
        self._events.put(None)

    def drop(self, message: str) -> None:
        """The network is gone: error, then state "left" (the stand-in's fault injection)."""
        self._leave_room()
        self.emit("on_error", message)
        self.emit("on_call_state_updated", "left")

    def _leave_room(self) -> None:
        if self.room is not None and self in self.room.clients:
            self.room.clients.remove(self)
        self.joined = False
        for pid in list(self._renderers):
            self.stop_renderers(pid)
        for source in self.tracks.values():
            source.log = None
        self.tracks.clear()

    def participants(self) -> Mapping[str, Any]:
        local = {"id": self.id, "info": {"userName": self.user_name, "isLocal": True, "isOwner": True}}
        users = {u.id: u.participant() for u in self.room.users.values()} if self.room and self.joined else {}
        return {"local": local, **users}

    # -- media ----------------------------------------------------------------------------
    def update_subscriptions(
        self,
        participant_settings: Mapping[str, Any] | None = None,
        profile_settings: Mapping[str, Any] | None = None,
        completion: Callable[[str | None], None] | None = None,
    ) -> None:
        if self.room is not None:
            self.room.subscriptions.append(dict(participant_settings or {}))
        self._complete(completion, None)

    def update_subscription_profiles(
        self, profile_settings: Mapping[str, Any], completion: Callable[[str | None], None] | None = None
    ) -> None:
        self.subscription_profiles = dict(profile_settings)
        self._complete(completion, None)

    def add_custom_audio_track(
        self,
        track_name: str,
        audio_track: CustomAudioTrack,
        ignore_audio_level: bool | None = None,
        completion: Callable[[str | None], None] | None = None,
    ) -> None:
        if self.room is None or not self.joined:
            self._complete(completion, "not joined")
            return
        audio_track.source.log = self.room.track(track_name, audio_track.source.sample_rate)
        self.tracks[track_name] = audio_track.source
        self._complete(completion, None)

    def remove_custom_audio_track(
        self, track_name: str, completion: Callable[[str | None], None] | None = None
    ) -> None:
        source = self.tracks.pop(track_name, None)
        if source is not None:
            source.log = None
        self._complete(completion, None if source is not None else f"no track {track_name}")

    def send_app_message(
        self,
        message: Any,
        participant_id: str | None = None,
        serialize_none: bool = True,
        completion: Callable[[str | None], None] | None = None,
    ) -> None:
        json.dumps(message)  # the SDK serializes; what JSON cannot carry fails here
        users = self.room.users if self.room is not None and self.joined else {}
        if participant_id is not None and participant_id not in users:
            self._complete(completion, f"participant {participant_id} not found")
            return
        for uid, user in list(users.items()):
            if participant_id in (None, uid):
                user.app_messages.append(json.loads(json.dumps(message)))
        self._complete(completion, None)

    def set_audio_renderer(
        self,
        participant_id: str,
        callback: Callable[[str, Any, str], None],
        audio_source: str = "microphone",
        sample_rate: int = 16000,
        callback_interval_ms: int = 20,
    ) -> None:
        self.stop_renderers(participant_id)
        stop = self._renderers[participant_id] = threading.Event()
        args = (participant_id, callback, audio_source, sample_rate, callback_interval_ms, stop)
        threading.Thread(
            target=self._render, args=args, name=f"daily-render-{participant_id}", daemon=True
        ).start()

    def stop_renderers(self, participant_id: str) -> None:
        stop = self._renderers.pop(participant_id, None)
        if stop is not None:
            stop.set()

    def _render(
        self,
        pid: str,
        callback: Callable[[str, Any, str], None],
        source: str,
        rate: int,
        ms: int,
        stop: threading.Event,
    ) -> None:
        count, t0, k = rate * ms // 1000, time.monotonic(), 0
        while not stop.is_set():
            due = t0 + (k + 1) * ms / 1000
            time.sleep(max(0.0, due - time.monotonic()))
            user = self.room.users.get(pid) if self.room is not None else None
            if user is None or stop.is_set():
                return
            pcm = user.samples(t0 + k * ms / 1000, count, rate)
            callback(pid, AudioData(pcm.tobytes(), rate), source)
            k += 1


def stand_in_sdk(server: FakeDailyServer) -> Any:
    """A module-like object with daily-python's names, bound to `server` (cached per server)."""
    if server.stand_in is not None:
        return server.stand_in

    class Daily:
        @staticmethod
        def init(worker_threads: int = 2, log_level: Any = None) -> None:
            server.initialised += 1

        @staticmethod
        def create_microphone_device(
            device_name: str, sample_rate: int = 16000, channels: int = 1, non_blocking: bool = False
        ) -> Microphone:
            mic = server.microphones[device_name] = Microphone(server, device_name, sample_rate, channels)
            return mic

        @staticmethod
        def create_speaker_device(
            device_name: str, sample_rate: int = 16000, channels: int = 1, non_blocking: bool = False
        ) -> Speaker:
            spk = server.speakers[device_name] = Speaker(server, device_name, sample_rate, channels)
            return spk

        @staticmethod
        def select_speaker_device(device_name: str) -> None:
            if device_name not in server.speakers:
                raise ValueError(f"no speaker device {device_name}")
            server.selected_speaker = device_name

    class Handler(EventHandler):
        pass

    client_type = type("CallClient", (FakeCallClient,), {"server": server, "_handler_type": Handler})
    sdk = SimpleNamespace(
        Daily=Daily, CallClient=client_type, EventHandler=Handler, AudioData=AudioData,
        CustomAudioSource=CustomAudioSource, CustomAudioTrack=CustomAudioTrack,
    )  # fmt: skip
    server.stand_in = sdk
    return sdk
