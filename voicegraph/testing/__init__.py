"""Testing utilities users can run too: fault-injecting loopback proxies (TCP, HTTP, WebSocket).

schedule = FaultSchedule.uniform(0.05, {"chunk": (Fault.DROP,)}, seed=7)
async with FaultProxy(server_port, schedule=schedule) as proxy:
    ...  # point the client at 127.0.0.1:proxy.port
    print(proxy.schedule.injected)
"""

from __future__ import annotations

from voicegraph.testing.fault_proxy import FaultProxy as FaultProxy
from voicegraph.testing.fault_schedule import Fault as Fault
from voicegraph.testing.fault_schedule import FaultRule as FaultRule
from voicegraph.testing.fault_schedule import FaultSchedule as FaultSchedule
from voicegraph.testing.http_fault_proxy import HttpFaultProxy as HttpFaultProxy
from voicegraph.testing.websocket_fault_proxy import WebSocketFaultProxy as WebSocketFaultProxy

__all__ = ["Fault", "FaultProxy", "FaultRule", "FaultSchedule", "HttpFaultProxy", "WebSocketFaultProxy"]
