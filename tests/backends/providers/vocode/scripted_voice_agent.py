"""The stock voice agent (Silero VAD, Whisper, Piper, barge-in) with a scripted agent.

The reply is fixed and long (about 15 s of speech), so a barge-in has a reply to cut and
the test knows what the bot would have said; the words still go through real speech
recognition (the rule matches only if Whisper heard "capital" or "France").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.graphs.voice_agent import VoiceAgentOptions, build_voice_agent

if TYPE_CHECKING:
    from voicegraph.framework.graph import Graph
    from voicegraph.transports.connection import Connection

REPLY = (
    "The capital of France is Paris. Paris lies on the river Seine, in the north of the country."
    " It has been the capital for more than a thousand years, and today it is home to about two"
    " million people, with many more in the towns around it. It is known for its museums,"
    " its cafes, its bridges and its long history of art and science."
)
DEFAULT = "All right, I stopped. What else would you like to know?"


def build_scripted_voice_agent(conn: Connection) -> Graph:
    """The graph of one session on `conn` (`graph:` of configs/vocode_voice_agent.yaml)."""
    options = VoiceAgentOptions(
        agent="scripted", agent_params={"rules": {"(?i)capital|france": REPLY}, "default": DEFAULT}
    )
    return build_voice_agent(conn, options)
