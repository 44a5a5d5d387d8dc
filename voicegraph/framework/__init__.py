"""The voicegraph runtime: frames, processors, edges, graphs, interruption, clocks, errors."""

from voicegraph.framework.bus import Bus as Bus
from voicegraph.framework.bus import BusEvent as BusEvent
from voicegraph.framework.bus import CustomEvent as CustomEvent
from voicegraph.framework.bus import ErrorEvent as ErrorEvent
from voicegraph.framework.bus import InterruptEvent as InterruptEvent
from voicegraph.framework.bus import MetricsEvent as MetricsEvent
from voicegraph.framework.clock import Clock as Clock
from voicegraph.framework.clock import MonotonicClock as MonotonicClock
from voicegraph.framework.clock import VirtualClock as VirtualClock
from voicegraph.framework.context import StartContext as StartContext
from voicegraph.framework.edge import Edge as Edge
from voicegraph.framework.edge import EdgeStats as EdgeStats
from voicegraph.framework.edge import Overflow as Overflow
from voicegraph.framework.errors import EndOfStream as EndOfStream
from voicegraph.framework.errors import ErrorCode as ErrorCode
from voicegraph.framework.errors import NotNegotiatedError as NotNegotiatedError
from voicegraph.framework.errors import VoiceError as VoiceError
from voicegraph.framework.formats import AudioFormat as AudioFormat
from voicegraph.framework.formats import Encoding as Encoding
from voicegraph.framework.formats import SampleFormat as SampleFormat
from voicegraph.framework.graph import EdgeConfig as EdgeConfig
from voicegraph.framework.graph import Graph as Graph
from voicegraph.framework.graph import Parallel as Parallel
from voicegraph.framework.latency import LatencySpec as LatencySpec
from voicegraph.framework.outbox import Outbox as Outbox
from voicegraph.framework.processor import Processor as Processor
from voicegraph.framework.processor import handles as handles
from voicegraph.framework.runtime import ErrorPolicy as ErrorPolicy
from voicegraph.framework.runtime import Runtime as Runtime

__all__ = [
    "AudioFormat",
    "Bus",
    "BusEvent",
    "Clock",
    "CustomEvent",
    "Edge",
    "EdgeConfig",
    "EdgeStats",
    "EndOfStream",
    "ErrorCode",
    "ErrorEvent",
    "ErrorPolicy",
    "Graph",
    "InterruptEvent",
    "LatencySpec",
    "MetricsEvent",
    "MonotonicClock",
    "NotNegotiatedError",
    "Outbox",
    "Parallel",
    "Processor",
    "Runtime",
    "Encoding",
    "SampleFormat",
    "StartContext",
    "VirtualClock",
    "VoiceError",
    "handles",
]
