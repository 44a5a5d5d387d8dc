"""Frame types, split by domain. Re-exported here for convenience."""

from voicegraph.framework.frames.audio import AudioFrame as AudioFrame
from voicegraph.framework.frames.audio import InputAudioFrame as InputAudioFrame
from voicegraph.framework.frames.audio import OutputAudioFrame as OutputAudioFrame
from voicegraph.framework.frames.audio import TTSAudioFrame as TTSAudioFrame
from voicegraph.framework.frames.base import UNSTAMPED as UNSTAMPED
from voicegraph.framework.frames.base import ControlFrame as ControlFrame
from voicegraph.framework.frames.base import DataFrame as DataFrame
from voicegraph.framework.frames.base import Direction as Direction
from voicegraph.framework.frames.base import Frame as Frame
from voicegraph.framework.frames.base import Lane as Lane
from voicegraph.framework.frames.base import SystemFrame as SystemFrame
from voicegraph.framework.frames.bot_text import BotTextFrame as BotTextFrame
from voicegraph.framework.frames.call import CallActionFrame as CallActionFrame
from voicegraph.framework.frames.call import EndCallFrame as EndCallFrame
from voicegraph.framework.frames.call import TransferCallFrame as TransferCallFrame
from voicegraph.framework.frames.control import EndFrame as EndFrame
from voicegraph.framework.frames.control import FormatFrame as FormatFrame
from voicegraph.framework.frames.control import ResponseEndFrame as ResponseEndFrame
from voicegraph.framework.frames.control import ResponseStartFrame as ResponseStartFrame
from voicegraph.framework.frames.control import TurnEndFrame as TurnEndFrame
from voicegraph.framework.frames.llm import LLMMessagesFrame as LLMMessagesFrame
from voicegraph.framework.frames.llm import LLMResponseEndFrame as LLMResponseEndFrame
from voicegraph.framework.frames.llm import LLMResponseStartFrame as LLMResponseStartFrame
from voicegraph.framework.frames.llm import LLMTextFrame as LLMTextFrame
from voicegraph.framework.frames.stream_time import StreamTimeFrame as StreamTimeFrame
from voicegraph.framework.frames.system import BotStartedSpeakingFrame as BotStartedSpeakingFrame
from voicegraph.framework.frames.system import BotStoppedSpeakingFrame as BotStoppedSpeakingFrame
from voicegraph.framework.frames.system import CancelFrame as CancelFrame
from voicegraph.framework.frames.system import ErrorFrame as ErrorFrame
from voicegraph.framework.frames.system import InterruptFrame as InterruptFrame
from voicegraph.framework.frames.system import InterruptRequestFrame as InterruptRequestFrame
from voicegraph.framework.frames.system import MetricsFrame as MetricsFrame
from voicegraph.framework.frames.system import QoSFrame as QoSFrame
from voicegraph.framework.frames.system import ReplyHoldFrame as ReplyHoldFrame
from voicegraph.framework.frames.system import ReplyPlayedFrame as ReplyPlayedFrame
from voicegraph.framework.frames.system import SpeechOnsetFrame as SpeechOnsetFrame
from voicegraph.framework.frames.system import TurnConfirmedFrame as TurnConfirmedFrame
from voicegraph.framework.frames.system import UserStartedSpeakingFrame as UserStartedSpeakingFrame
from voicegraph.framework.frames.system import UserStoppedSpeakingFrame as UserStoppedSpeakingFrame
from voicegraph.framework.frames.text import AnyTextFrame as AnyTextFrame
from voicegraph.framework.frames.text import InterimTranscriptFrame as InterimTranscriptFrame
from voicegraph.framework.frames.text import SentenceFrame as SentenceFrame
from voicegraph.framework.frames.text import TextFrame as TextFrame
from voicegraph.framework.frames.text import TranscriptFrame as TranscriptFrame

__all__ = [
    "UNSTAMPED",
    "AnyTextFrame",
    "AudioFrame",
    "BotStartedSpeakingFrame",
    "BotStoppedSpeakingFrame",
    "BotTextFrame",
    "CallActionFrame",
    "CancelFrame",
    "ControlFrame",
    "DataFrame",
    "Direction",
    "EndCallFrame",
    "EndFrame",
    "ErrorFrame",
    "FormatFrame",
    "Frame",
    "InputAudioFrame",
    "InterimTranscriptFrame",
    "InterruptFrame",
    "InterruptRequestFrame",
    "LLMMessagesFrame",
    "LLMResponseEndFrame",
    "LLMResponseStartFrame",
    "LLMTextFrame",
    "Lane",
    "MetricsFrame",
    "OutputAudioFrame",
    "QoSFrame",
    "ReplyHoldFrame",
    "ReplyPlayedFrame",
    "SpeechOnsetFrame",
    "StreamTimeFrame",
    "TurnConfirmedFrame",
    "ResponseEndFrame",
    "ResponseStartFrame",
    "SentenceFrame",
    "SystemFrame",
    "TTSAudioFrame",
    "TextFrame",
    "TransferCallFrame",
    "TranscriptFrame",
    "TurnEndFrame",
    "UserStartedSpeakingFrame",
    "UserStoppedSpeakingFrame",
]
