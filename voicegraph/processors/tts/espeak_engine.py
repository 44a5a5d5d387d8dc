"""EspeakEngine: eSpeak NG in-process through ctypes, on the library `espeakng-loader` ships.

libespeak-ng keeps one global synthesizer per process, so every call takes one
process-wide lock; a synthesis is cheap (hundreds of times faster than real time), so
callers rarely wait.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_RATE = 1  # espeak_PARAMETER espeakRATE
_PITCH = 3  # espeakPITCH
_BUFFER_MS = 40  # size of each callback buffer; also the streaming granularity


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True, slots=True)
class WordEvent:
    """A word eSpeak is about to speak: character span in the input and its audio offset."""

    start: int
    """Index of the word's first character in the synthesized text."""
    length: int
    """Length of the word in characters."""
    audio_ms: float
    """Offset of the word in the synthesized audio, in ms from its start."""


OnAudio = Callable[[NDArray[np.int16], list[WordEvent]], bool]
"""Receives each buffer of samples and the words starting in it; returns False to stop."""


class _Library:
    """The loaded library, initialised once per process."""

    _instance: _Library | None = None
    _init_lock = threading.Lock()

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise missing_dependency("local", "espeakng-loader") from exc
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data = espeakng_loader.get_data_path().encode()
        lib = self.lib
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_Callback]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data, _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, f"espeak_Initialize failed ({rate})")
        self.sample_rate: int = rate
        self.lock = threading.Lock()  # the synthesizer is global state: one call at a time
        self.sink: OnAudio | None = None
        self.chars_to_index: list[int] = []
        self.callback = _Callback(self._on_synth)  # kept referenced for the library's lifetime
        lib.espeak_SetSynthCallback(self.callback)

    @classmethod
    def get(cls) -> _Library:
        with cls._init_lock:
            if cls._instance is None:
                cls._instance = _Library()
            return cls._instance

    def _on_synth(self, wav: ctypes._Pointer[ctypes.c_short], n: int, events: ctypes._Pointer[_Event]) -> int:
        sink = self.sink
        if sink is None:
            return 1
        words: list[WordEvent] = []
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            ev = events[i]
            if ev.type == _EVENT_WORD:
                words.append(
                    WordEvent(start=ev.text_position - 1, length=ev.length, audio_ms=float(ev.audio_position))
                )
            i += 1
        if n <= 0 and not words:
            return 0
        pcm = np.ctypeslib.as_array(wav, shape=(n,)).copy() if n > 0 else np.zeros(0, np.int16)
        return 0 if sink(pcm.astype(np.int16, copy=False), words) else 1


class EspeakEngine:
    """Synthesizes text with eSpeak NG, streaming ~40 ms buffers and word events.

    Args:
        voice: eSpeak voice name (e.g. "en-us").
        words_per_minute: speaking rate (eSpeak's default is 175).
        pitch: base pitch 0-100 (None keeps the voice's).

    Raises:
        VoiceError: `missing_dependency` without espeakng-loader; `invalid_config` for an
            unknown voice.
    """

    def __init__(
        self, *, voice: str = "en-us", words_per_minute: int = 175, pitch: int | None = None
    ) -> None:
        # One synthesizer per process (`ENGINES` kind "espeak"); the library cannot be
        # unloaded, so a load after `close_all` finds the same initialised instance.
        self._lib = ENGINES.get("espeak", "libespeak-ng", _Library.get)
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.pitch = pitch
        with self._lib.lock:
            self._apply()

    @property
    def sample_rate(self) -> int:
        """Output rate in Hz (22050 for the stock voices)."""
        return self._lib.sample_rate

    def _apply(self) -> None:
        lib = self._lib.lib
        if lib.espeak_SetVoiceByName(self.voice.encode()) != 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown eSpeak voice {self.voice!r}")
        lib.espeak_SetParameter(_RATE, self.words_per_minute, 0)
        if self.pitch is not None:
            lib.espeak_SetParameter(_PITCH, self.pitch, 0)

    def synthesize(self, text: str, on_audio: OnAudio) -> None:
        """Speak `text`, calling `on_audio` per buffer in order; blocks until done or stopped."""
        data = text.encode("utf-8")
        buf = ctypes.create_string_buffer(data)
        with self._lib.lock:
            self._apply()
            self._lib.sink = on_audio
            try:
                self._lib.lib.espeak_Synth(buf, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            finally:
                self._lib.sink = None

    def speak(
        self, text: str, sink: Callable[[NDArray[np.int16], tuple[tuple[str, float], ...]], bool]
    ) -> None:
        """Speak `text`, giving `sink` each buffer with (word, ms offset within the buffer) pairs."""
        done_ms = 0.0

        def relay(pcm: NDArray[np.int16], words: list[WordEvent]) -> bool:
            nonlocal done_ms
            dur = len(pcm) * 1000 / self.sample_rate
            timed = tuple(
                (text[w.start : w.start + w.length].strip(), min(max(0.0, w.audio_ms - done_ms), dur))
                for w in words
            )
            done_ms += dur
            return sink(pcm, tuple((w, ms) for w, ms in timed if w))

        self.synthesize(text, relay)

    def synthesize_all(self, text: str) -> tuple[NDArray[np.int16], list[WordEvent]]:
        """Speak `text` to one array; returns the samples and every word event."""
        parts: list[NDArray[np.int16]] = []
        words: list[WordEvent] = []

        def collect(pcm: NDArray[np.int16], ws: list[WordEvent]) -> bool:
            parts.append(pcm)
            words.extend(ws)
            return True

        self.synthesize(text, collect)
        pcm = np.concatenate(parts) if parts else np.zeros(0, np.int16)
        return pcm, words
