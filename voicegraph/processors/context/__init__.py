"""Conversation context: the user and assistant aggregators around the LLM, and prompt templates."""

from voicegraph.processors.context.assistant_aggregator import AssistantAggregator as AssistantAggregator
from voicegraph.processors.context.assistant_reply import AssistantReply as AssistantReply
from voicegraph.processors.context.conversation_context import ConversationContext as ConversationContext
from voicegraph.processors.context.input_audio import input_audio_part as input_audio_part
from voicegraph.processors.context.prompt_template import PromptTemplate as PromptTemplate
from voicegraph.processors.context.reply_gate import ReplyGate as ReplyGate
from voicegraph.processors.context.shared_contexts import shared_context as shared_context
from voicegraph.processors.context.user_aggregator import UserAggregator as UserAggregator

__all__ = [
    "AssistantAggregator",
    "AssistantReply",
    "ConversationContext",
    "PromptTemplate",
    "ReplyGate",
    "UserAggregator",
    "input_audio_part",
    "shared_context",
]
