"""The daily-python SDK seam: loading it (or a stand-in), its completions, its event threads.

Everything the transport uses of the SDK goes through the module object `load_daily_sdk`
returns (names `Daily`, `CallClient`, `EventHandler`, `CustomAudioSource`,
`CustomAudioTrack`), so tests pass a stand-in with the same names instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Protocol

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    from collections.abc import Callable

CALL_EVENTS = (
    "on_participant_joined",
    "on_participant_left",
    "on_app_message",
    "on_call_state_updated",
    "on_error",
)
"""The `EventHandler` callbacks the transport listens to."""

_initialised: set[int] = set()


class CallEvents(Protocol):
    """What receives the SDK's call events, on the event loop (see `create_event_handler`)."""

    def on_participant_joined(self, participant: dict[str, Any]) -> None: ...
    def on_participant_left(self, participant: dict[str, Any], reason: str) -> None: ...
    def on_app_message(self, message: Any, sender: str) -> None: ...
    def on_call_state_updated(self, state: str) -> None: ...
    def on_error(self, message: str) -> None: ...


def load_daily_sdk(sdk: Any = None) -> Any:
    """`sdk` when given (a stand-in), else the `daily` module, initialised once per process.

    Raises:
        VoiceError: (missing_dependency) daily-python is not installed.
    """
    if sdk is None:
        try:
            import daily
        except ImportError:
            raise missing_dependency("daily", "daily-python") from None
        sdk = daily
    if id(sdk) not in _initialised:
        sdk.Daily.init()
        _initialised.add(id(sdk))
    return sdk


def create_event_handler(sdk: Any, loop: asyncio.AbstractEventLoop, target: CallEvents) -> Any:
    """An `sdk.EventHandler` whose callbacks run `target`'s methods on `loop`.

    The SDK calls handlers on its own threads holding the GIL; calling back into the
    client from there and waiting deadlocks (protocols/daily.md §2), so every event
    is handed to the loop and nothing else is done on the SDK's thread.
    """

    def forward(name: str) -> Callable[..., None]:
        def method(self: Any, *args: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the call is over
                loop.call_soon_threadsafe(lambda: getattr(target, name)(*args))

        return method

    cls = type("VoicegraphCallEvents", (sdk.EventHandler,), {n: forward(n) for n in CALL_EVENTS})
    return cls()


async def completion(
    call: Callable[[Callable[..., None]], None], timeout_s: float, what: str
) -> tuple[Any, ...]:
    """Run `call(done)` (an SDK method taking a completion) and wait for `done`'s arguments.

    Raises:
        VoiceError: (connection_timeout) the completion did not come within `timeout_s`.
    """
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[tuple[Any, ...]] = loop.create_future()

    def done(*args: Any) -> None:
        def settle() -> None:
            if not fut.done():
                fut.set_result(args)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle)

    call(done)
    try:
        async with asyncio.timeout(timeout_s):
            return await fut
    except TimeoutError:
        raise VoiceError(
            ErrorCode.CONNECTION_TIMEOUT, f"Daily {what}: no answer within {timeout_s} s", retriable=True
        ) from None


def join_error(message: str, room_url: str) -> VoiceError:
    """The coded error for a failed join (`message` is the SDK's error string)."""
    text = message.lower()
    if any(k in text for k in ("token", "auth", "not allowed", "forbidden", "eject")):
        return VoiceError(ErrorCode.AUTHENTICATION_FAILED, f"Daily refused to join {room_url}: {message}")
    if any(k in text for k in ("not found", "no such", "does not exist", "expired")):
        return VoiceError(ErrorCode.NOT_FOUND, f"Daily room {room_url}: {message}")
    return VoiceError(
        ErrorCode.CONNECTION_FAILED, f"cannot join Daily room {room_url}: {message}", retriable=True
    )
