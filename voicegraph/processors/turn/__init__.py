"""Turn detection: when has the user finished? Silence, transcript, language-model, audio-model rules."""

from voicegraph.processors.turn.language_model_turn_detector import (
    LanguageModelTurnDetector as LanguageModelTurnDetector,
)
from voicegraph.processors.turn.pause_tracker import PauseTracker as PauseTracker
from voicegraph.processors.turn.silence_turn_detector import SilenceTurnDetector as SilenceTurnDetector
from voicegraph.processors.turn.smart_turn_detector import SmartTurnDetector as SmartTurnDetector
from voicegraph.processors.turn.smart_turn_model import SmartTurnModel as SmartTurnModel
from voicegraph.processors.turn.transcript_aware_turn_detector import (
    TranscriptAwareTurnDetector as TranscriptAwareTurnDetector,
)
from voicegraph.processors.turn.transcript_completeness import (
    TranscriptCompleteness as TranscriptCompleteness,
)
from voicegraph.processors.turn.transcript_completeness import classify_transcript as classify_transcript
from voicegraph.processors.turn.transcript_completeness import ends_open as ends_open
from voicegraph.processors.turn.transcript_end_model import TranscriptEndModel as TranscriptEndModel

__all__ = [
    "LanguageModelTurnDetector",
    "PauseTracker",
    "SilenceTurnDetector",
    "SmartTurnDetector",
    "SmartTurnModel",
    "TranscriptAwareTurnDetector",
    "TranscriptCompleteness",
    "TranscriptEndModel",
    "classify_transcript",
    "ends_open",
]
