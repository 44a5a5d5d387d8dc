"""Conversation tests: drive a graph with scripted user turns and check what the agent did.

    async with ConversationTest(options=VoiceAgentOptions(agent="scripted")) as conv:
        turn = await conv.user_says("What is your name?")
        turn.expect.said(r"Vee")

See docs/evals.md; `voicegraph test SCENARIOS.yaml` runs scenarios written in YAML.
"""

from __future__ import annotations

from voicegraph.demo.caller_line import CallerLine as CallerLine
from voicegraph.evals.conversation_test import ConversationTest as ConversationTest
from voicegraph.evals.expectations import Check as Check
from voicegraph.evals.expectations import ExpectationError as ExpectationError
from voicegraph.evals.expectations import TurnExpectations as TurnExpectations
from voicegraph.evals.judge import Judge as Judge
from voicegraph.evals.judge import Verdict as Verdict
from voicegraph.evals.turn_record import TurnEvent as TurnEvent
from voicegraph.evals.turn_record import TurnRecord as TurnRecord

__all__ = [
    "CallerLine",
    "Check",
    "ConversationTest",
    "ExpectationError",
    "Judge",
    "TurnEvent",
    "TurnExpectations",
    "TurnRecord",
    "Verdict",
]
