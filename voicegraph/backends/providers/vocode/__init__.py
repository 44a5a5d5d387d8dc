"""Backend provider `vocode`: vocode-core's client protocols served by voicegraph.

Vocode apps (its React SDK or Python clients of `/conversation`, its Twilio telephony
server's callers, and vocode conversations with a WebSocket user-implemented agent) talk
to voicegraph unchanged. See docs/providers/vocode.md.
"""

from __future__ import annotations

from voicegraph.backends.providers.vocode.agent_serializer import (
    VocodeAgentSerializer as VocodeAgentSerializer,
)
from voicegraph.backends.providers.vocode.conversation_serializer import (
    VocodeConversationSerializer as VocodeConversationSerializer,
)
from voicegraph.backends.providers.vocode.telephony_server import (
    VocodeTelephonyServer as VocodeTelephonyServer,
)
from voicegraph.backends.providers.vocode.vocode_provider import VocodeProvider as VocodeProvider
from voicegraph.backends.providers.vocode.vocode_transport import VocodeTransport as VocodeTransport

__all__ = [
    "VocodeAgentSerializer",
    "VocodeConversationSerializer",
    "VocodeProvider",
    "VocodeTelephonyServer",
    "VocodeTransport",
]
