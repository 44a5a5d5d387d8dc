"""The CallClient stand-in follows daily-python's real surface (its 0.36 type stubs), and
the transport's seam works with the real SDK's classes (no network: nothing is joined)."""

from __future__ import annotations

import ast
import asyncio
import inspect
from pathlib import Path
from typing import Any

import daily
import pytest

from tests.fakes.daily_call_client import FakeDailyServer
from voicegraph.transports.daily.daily_sdk import CALL_EVENTS, create_event_handler, load_daily_sdk

STUBS = Path(daily.__file__).with_name("__init__.pyi")


def _stub_params() -> dict[str, dict[str, list[str]]]:
    """class -> method -> parameter names (without self), from daily's .pyi."""
    out: dict[str, dict[str, list[str]]] = {}
    for node in ast.parse(STUBS.read_text()).body:
        if isinstance(node, ast.ClassDef):
            methods = out.setdefault(node.name, {})
            for fn in node.body:
                if isinstance(fn, ast.FunctionDef):
                    methods[fn.name] = [a.arg for a in fn.args.args if a.arg != "self"]
    return out


def _params(fn: Any) -> list[str]:
    return [p for p in inspect.signature(fn).parameters if p != "self"]


USED = {
    "CallClient": ["join", "leave", "release", "set_user_name", "participants", "update_subscriptions",
                   "update_subscription_profiles", "send_app_message", "set_audio_renderer",
                   "add_custom_audio_track", "remove_custom_audio_track"],
    "Daily": ["init", "create_microphone_device", "create_speaker_device", "select_speaker_device"],
}  # fmt: skip
"""What the transport calls; the stand-in must take the same parameters."""


@pytest.mark.parametrize(("cls", "method"), [(c, m) for c, ms in USED.items() for m in ms])
def test_stand_in_methods_take_the_sdks_parameters(cls: str, method: str) -> None:
    sdk = FakeDailyServer().sdk
    assert _params(getattr(getattr(sdk, cls), method)) == _stub_params()[cls][method]


def test_stand_in_devices_and_sources_take_the_sdks_parameters() -> None:
    stubs, sdk = _stub_params(), FakeDailyServer().sdk
    mic = sdk.Daily.create_microphone_device("m")
    spk = sdk.Daily.create_speaker_device("s")
    assert _params(mic.write_frames) == stubs["VirtualMicrophoneDevice"]["write_frames"]
    assert _params(spk.read_frames) == stubs["VirtualSpeakerDevice"]["read_frames"]
    assert _params(sdk.CustomAudioSource.write_frames) == stubs["CustomAudioSource"]["write_frames"]
    assert _params(sdk.CustomAudioSource.__init__) == stubs["CustomAudioSource"]["__init__"]


def test_the_events_listened_to_exist_with_the_same_parameters_in_the_sdk() -> None:
    stubs = _stub_params()["EventHandler"]
    from voicegraph.transports.daily.daily_call import DailyCall

    for name in CALL_EVENTS:
        assert _params(getattr(DailyCall, name)) == stubs[name], name


@pytest.mark.anyio
async def test_the_event_handler_subclasses_the_real_sdks_and_a_real_client_takes_it() -> None:
    sdk = load_daily_sdk()
    handler = create_event_handler(sdk, asyncio.get_running_loop(), _Recorder())
    assert isinstance(handler, daily.EventHandler)
    client = daily.CallClient(event_handler=handler)
    source = daily.CustomAudioSource(16000, 1)
    assert daily.CustomAudioTrack(source).id
    client.release()


class _Recorder:
    def __getattr__(self, name: str) -> Any:
        return lambda *args: None
