"""Voice activity detection: engines (Silero, WebRTC, energy), the state machine and the node."""

from voicegraph.processors.vad.barge_in_onset import BargeInParams as BargeInParams
from voicegraph.processors.vad.barge_in_onset import BargeInRule as BargeInRule
from voicegraph.processors.vad.energy_vad_engine import EnergyVADEngine as EnergyVADEngine
from voicegraph.processors.vad.false_interruption_filter import (
    FalseInterruptionFilter as FalseInterruptionFilter,
)
from voicegraph.processors.vad.false_interruption_filter import is_backchannel as is_backchannel
from voicegraph.processors.vad.playout_hold import PlayoutHold as PlayoutHold
from voicegraph.processors.vad.silero_vad_engine import SileroVADEngine as SileroVADEngine
from voicegraph.processors.vad.vad_analyzer import VADAnalyzer as VADAnalyzer
from voicegraph.processors.vad.vad_analyzer import VADEvent as VADEvent
from voicegraph.processors.vad.vad_analyzer import VADParams as VADParams
from voicegraph.processors.vad.vad_analyzer import VADState as VADState
from voicegraph.processors.vad.vad_engine import VADEngine as VADEngine
from voicegraph.processors.vad.vad_engine import create_vad_engine as create_vad_engine
from voicegraph.processors.vad.vad_stream import VADStream as VADStream
from voicegraph.processors.vad.voice_activity_detector import VoiceActivityDetector as VoiceActivityDetector
from voicegraph.processors.vad.webrtc_vad_engine import WebRTCVADEngine as WebRTCVADEngine

__all__ = [
    "BargeInParams",
    "BargeInRule",
    "EnergyVADEngine",
    "FalseInterruptionFilter",
    "PlayoutHold",
    "SileroVADEngine",
    "VADAnalyzer",
    "VADEngine",
    "VADEvent",
    "VADParams",
    "VADState",
    "VADStream",
    "VoiceActivityDetector",
    "WebRTCVADEngine",
    "create_vad_engine",
    "is_backchannel",
]
