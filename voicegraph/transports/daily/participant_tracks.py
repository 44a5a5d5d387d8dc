"""ParticipantTracks: each participant's audio in (a renderer) and the agent's track for them."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from voicegraph.transports.daily.daily_connection import DailyConnection


def track_name(participant_id: str) -> str:
    """Name of the custom audio track carrying the agent's audio for one participant."""
    return f"voicegraph-{participant_id}"


def _written(_frames: int) -> None:
    """Completion of a custom-track write (on an SDK thread): nothing to do, the pump paces."""


class ParticipantTracks:
    """The media of per-participant sessions on the current `CallClient`.

    `attach` subscribes to the participant's microphone, renders it at `rate` every
    `chunk_ms` into their connection (the SDK calls back on its own thread; the audio is
    handed to `loop`), and publishes a custom audio track, `track_name(participant_id)`,
    that the session's pump writes to. `detach` unpublishes it; `forget` drops every
    track without calling the client (it is gone: reconnect).

    Args:
        sdk: the daily module or a stand-in (`CustomAudioSource`, `CustomAudioTrack`).
        rate: sample rate both ways.
        chunk_ms: renderer interval.
    """

    def __init__(self, sdk: Any, rate: int, chunk_ms: int) -> None:
        self._sdk = sdk
        self._rate = rate
        self._chunk_ms = chunk_ms
        self._sources: dict[str, Any] = {}

    def __contains__(self, participant_id: object) -> bool:
        return participant_id in self._sources

    def attach(self, client: Any, conn: DailyConnection, pid: str, loop: asyncio.AbstractEventLoop) -> None:
        """Read `pid`'s audio into `conn` and publish the agent's track for them."""

        def on_audio(_pid: str, audio: Any, _source: str) -> None:  # on an SDK thread
            with contextlib.suppress(RuntimeError):  # the loop is closed: the call is over
                loop.call_soon_threadsafe(conn.feed_audio, bytes(audio.audio_frames))

        client.update_subscriptions(participant_settings={pid: {"media": {"microphone": "subscribed"}}})
        client.set_audio_renderer(pid, on_audio, sample_rate=self._rate, callback_interval_ms=self._chunk_ms)
        source = self._sdk.CustomAudioSource(self._rate, 1)
        client.add_custom_audio_track(track_name(pid), self._sdk.CustomAudioTrack(source))
        self._sources[pid] = source
        # With a completion the SDK queues the chunk and returns; without one it would block
        # the event loop until the chunk is consumed (Pipecat passes one too).
        conn.pump.sink = lambda pcm: source.write_frames(pcm, completion=_written)

    def detach(self, client: Any, pid: str) -> None:
        """Unpublish the agent's track for `pid` (if any)."""
        if self._sources.pop(pid, None) is not None and client is not None:
            client.remove_custom_audio_track(track_name(pid))

    def forget(self) -> None:
        """Drop every track (their client is gone)."""
        self._sources.clear()
