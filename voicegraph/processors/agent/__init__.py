"""Agent nodes: OpenAI-compatible streaming LLM (cloud or local llama.cpp), a scripted agent, and tools."""

from voicegraph.framework.frames.call import EndCallFrame as EndCallFrame
from voicegraph.framework.frames.call import TransferCallFrame as TransferCallFrame
from voicegraph.processors.agent.chat_events import ChatEvent as ChatEvent
from voicegraph.processors.agent.chat_events import Finish as Finish
from voicegraph.processors.agent.chat_events import TextDelta as TextDelta
from voicegraph.processors.agent.chat_events import ToolCall as ToolCall
from voicegraph.processors.agent.chat_events import Usage as Usage
from voicegraph.processors.agent.chat_stream_parser import ChatStreamParser as ChatStreamParser
from voicegraph.processors.agent.chat_timeouts import ChatTimeouts as ChatTimeouts
from voicegraph.processors.agent.endpoint import Endpoint as Endpoint
from voicegraph.processors.agent.graph_workflow import GraphWorkflow as GraphWorkflow
from voicegraph.processors.agent.llm_node import LLMNode as LLMNode
from voicegraph.processors.agent.local_llm_node import LocalLLMNode as LocalLLMNode
from voicegraph.processors.agent.local_llm_server import LocalLLMServer as LocalLLMServer
from voicegraph.processors.agent.openai_chat_client import ChatResult as ChatResult
from voicegraph.processors.agent.openai_chat_client import OpenAIChatClient as OpenAIChatClient
from voicegraph.processors.agent.reply_script import ReplyScript as ReplyScript
from voicegraph.processors.agent.retry_policy import RetryPolicy as RetryPolicy
from voicegraph.processors.agent.scripted_agent import ScriptedAgent as ScriptedAgent
from voicegraph.processors.agent.sse_decoder import SSEDecoder as SSEDecoder
from voicegraph.processors.agent.sse_decoder import SSEEvent as SSEEvent
from voicegraph.processors.agent.streaming_agent import StreamingAgent as StreamingAgent
from voicegraph.processors.agent.tool import Tool as Tool
from voicegraph.processors.agent.tool import tool as tool
from voicegraph.processors.agent.tool_call_assembler import ToolCallAssembler as ToolCallAssembler
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame as LLMToolCallFrame
from voicegraph.processors.agent.tool_context import ToolContext as ToolContext
from voicegraph.processors.agent.tool_registry import ToolRegistry as ToolRegistry
from voicegraph.processors.agent.tool_result import ToolResult as ToolResult
from voicegraph.processors.agent.workflow_event import VoiceEvent as VoiceEvent
from voicegraph.processors.agent.workflow_event import Workflow as Workflow
from voicegraph.processors.agent.workflow_event import WorkflowEvent as WorkflowEvent
from voicegraph.processors.agent.workflow_event import WorkflowEventFrame as WorkflowEventFrame
from voicegraph.processors.agent.workflow_trigger import WorkflowTrigger as WorkflowTrigger

__all__ = [
    "ChatEvent",
    "EndCallFrame",
    "ChatResult",
    "ChatStreamParser",
    "ChatTimeouts",
    "Endpoint",
    "Finish",
    "GraphWorkflow",
    "LLMNode",
    "LLMToolCallFrame",
    "LocalLLMNode",
    "LocalLLMServer",
    "OpenAIChatClient",
    "ReplyScript",
    "RetryPolicy",
    "SSEDecoder",
    "SSEEvent",
    "ScriptedAgent",
    "StreamingAgent",
    "TextDelta",
    "ToolCall",
    "Tool",
    "ToolCallAssembler",
    "ToolContext",
    "ToolRegistry",
    "ToolResult",
    "TransferCallFrame",
    "Usage",
    "VoiceEvent",
    "Workflow",
    "WorkflowEvent",
    "WorkflowEventFrame",
    "WorkflowTrigger",
    "tool",
]
