"""Transports: where a session's audio comes from and goes to (memory, WAV files, WebSocket).

A transport gives a graph its head (`input()`) and sink (`output()`) nodes; every output
shares `PlayoutOutput` (real-time paced playout, interruption, reply reports). Server
transports make one `Connection` per client and run one graph per connection.
"""

from voicegraph.transports.call_control import CallControl as CallControl
from voicegraph.transports.connection import Connection as Connection
from voicegraph.transports.connection_input import ConnectionInput as ConnectionInput
from voicegraph.transports.connection_output import ConnectionOutput as ConnectionOutput
from voicegraph.transports.dtmf_frame import DTMFFrame as DTMFFrame
from voicegraph.transports.graph_session_runner import GraphFactory as GraphFactory
from voicegraph.transports.graph_session_runner import GraphSessionRunner as GraphSessionRunner
from voicegraph.transports.health_report import ComponentHealth as ComponentHealth
from voicegraph.transports.health_report import HealthReport as HealthReport
from voicegraph.transports.health_report import HealthStatus as HealthStatus
from voicegraph.transports.memory_transport import MemoryTransport as MemoryTransport
from voicegraph.transports.playout_options import PlayoutOptions as PlayoutOptions
from voicegraph.transports.playout_output import PlayoutOutput as PlayoutOutput
from voicegraph.transports.playout_stats import PlayoutStats as PlayoutStats
from voicegraph.transports.raw_pcm_serializer import RawPCMSerializer as RawPCMSerializer
from voicegraph.transports.serializer import Serializer as Serializer
from voicegraph.transports.twilio_call_control import TwilioCallControl as TwilioCallControl
from voicegraph.transports.twilio_serializer import TwilioSerializer as TwilioSerializer
from voicegraph.transports.twiml import render_twiml as render_twiml
from voicegraph.transports.wav_file_input import WavFileInput as WavFileInput
from voicegraph.transports.wav_file_output import WavFileOutput as WavFileOutput
from voicegraph.transports.wav_file_transport import WavFileTransport as WavFileTransport
from voicegraph.transports.websocket_connection import WebSocketConnection as WebSocketConnection
from voicegraph.transports.websocket_transport import WebSocketTransport as WebSocketTransport

__all__ = [
    "CallControl",
    "ComponentHealth",
    "Connection",
    "ConnectionInput",
    "ConnectionOutput",
    "DTMFFrame",
    "GraphFactory",
    "GraphSessionRunner",
    "HealthReport",
    "HealthStatus",
    "MemoryTransport",
    "PlayoutOptions",
    "PlayoutOutput",
    "PlayoutStats",
    "RawPCMSerializer",
    "Serializer",
    "TwilioCallControl",
    "TwilioSerializer",
    "WavFileInput",
    "WavFileOutput",
    "WavFileTransport",
    "WebSocketConnection",
    "WebSocketTransport",
    "render_twiml",
]
