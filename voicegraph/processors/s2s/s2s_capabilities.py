"""S2SCapabilities: what a speech-to-speech node can do, for backends to read before use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat


@dataclass(frozen=True, slots=True)
class S2SCapabilities:
    """Capability flags of a speech-to-speech node (a class attribute of the node).

    A backend reads them to decide whether an STT and a TTS node are needed, which audio
    formats to negotiate with the transport, and which turn-taking modes it may choose.
    """

    speech_to_speech: bool = True
    """Audio in, audio out, with no STT or TTS node."""
    input_formats: tuple[AudioFormat, ...] = ()
    """Audio formats the provider takes (the node's `accepts`)."""
    output_formats: tuple[AudioFormat, ...] = ()
    """Audio formats the provider can produce."""
    text_output: bool = False
    """The model can answer in text (then a TTS node may speak it)."""
    provider_turn_detection: tuple[str, ...] = ()
    """Turn detection modes the provider runs itself (e.g. `server_vad`)."""
    local_turn_detection: bool = True
    """Turns can be driven by voicegraph's own VAD and turn nodes."""
    tools: bool = False
    """Function calling."""
    transcripts: bool = False
    """User and bot transcripts."""
    truncation: bool = False
    """The provider's memory can be cut to what the user heard (barge-in)."""
    session_resume: bool = False
    """A dropped connection is re-opened with the conversation replayed."""

    def accepts_input(self, fmt: AudioFormat) -> bool:
        """Whether the provider takes `fmt` as input audio."""
        return fmt in self.input_formats

    def as_dict(self) -> dict[str, object]:
        """Plain values (formats as strings), for health checks and `voicegraph providers`."""
        return {
            "speech_to_speech": self.speech_to_speech,
            "input_formats": [str(f) for f in self.input_formats],
            "output_formats": [str(f) for f in self.output_formats],
            "text_output": self.text_output,
            "provider_turn_detection": list(self.provider_turn_detection),
            "local_turn_detection": self.local_turn_detection,
            "tools": self.tools,
            "transcripts": self.transcripts,
            "truncation": self.truncation,
            "session_resume": self.session_resume,
        }
