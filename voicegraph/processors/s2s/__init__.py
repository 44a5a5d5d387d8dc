"""Speech to speech: realtime models as a node, with barge-in truncation, tools and agent steering."""

from voicegraph.processors.s2s.chat_advice import chat_advice as chat_advice
from voicegraph.processors.s2s.openai_realtime_s2s import OpenAIRealtimeS2S as OpenAIRealtimeS2S
from voicegraph.processors.s2s.realtime_audio_format import RealtimeAudioFormat as RealtimeAudioFormat
from voicegraph.processors.s2s.realtime_barge_in import Truncation as Truncation
from voicegraph.processors.s2s.realtime_conversation_log import (
    RealtimeConversationLog as RealtimeConversationLog,
)
from voicegraph.processors.s2s.realtime_options import RealtimeOptions as RealtimeOptions
from voicegraph.processors.s2s.realtime_session_config import RealtimeSessionConfig as RealtimeSessionConfig
from voicegraph.processors.s2s.realtime_tools import tool_registry as tool_registry
from voicegraph.processors.s2s.reply_audio_ledger import ReplyAudioLedger as ReplyAudioLedger
from voicegraph.processors.s2s.s2s_advisor import S2SAdvice as S2SAdvice
from voicegraph.processors.s2s.s2s_advisor import S2SAdvisor as S2SAdvisor
from voicegraph.processors.s2s.s2s_capabilities import S2SCapabilities as S2SCapabilities
from voicegraph.processors.s2s.s2s_frames import BotTranscriptFrame as BotTranscriptFrame
from voicegraph.processors.s2s.s2s_frames import S2SContextFrame as S2SContextFrame
from voicegraph.processors.s2s.s2s_frames import S2SInstructionsFrame as S2SInstructionsFrame
from voicegraph.processors.s2s.s2s_frames import S2SRespondFrame as S2SRespondFrame
from voicegraph.processors.s2s.turn_detection import TurnDetection as TurnDetection

__all__ = [
    "BotTranscriptFrame",
    "OpenAIRealtimeS2S",
    "RealtimeAudioFormat",
    "RealtimeConversationLog",
    "RealtimeOptions",
    "RealtimeSessionConfig",
    "ReplyAudioLedger",
    "S2SAdvice",
    "S2SAdvisor",
    "S2SCapabilities",
    "S2SContextFrame",
    "S2SInstructionsFrame",
    "S2SRespondFrame",
    "Truncation",
    "TurnDetection",
    "chat_advice",
    "tool_registry",
]
