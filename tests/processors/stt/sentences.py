"""Held-out sentences for STT accuracy tests (never used to tune anything)."""

from __future__ import annotations

HELD_SENTENCES = [
    "Please book a table for four people at seven tonight.",
    "What is the weather like in Paris tomorrow?",
    "Turn off the lights in the kitchen.",
    "I would like to order a large pizza with mushrooms.",
    "Can you remind me to call my mother on Sunday?",
    "The train to Boston leaves at half past nine.",
    "How many miles is it from here to the airport?",
    "Send a message to John saying I will be late.",
    "Play some relaxing music in the living room.",
    "My credit card was charged twice for the same order.",
    "Set an alarm for six thirty in the morning.",
    "Where is the nearest pharmacy that is still open?",
]

HOME_GRAMMAR = """#JSGF V1.0;
grammar home;
public <command> = <lights> | <alarm> | <music> | <heat>;
<room> = kitchen | bedroom | living room | bathroom | garage;
<lights> = turn (on | off) the lights in the <room>;
<hour> = one | two | three | four | five | six | seven | eight | nine | ten | eleven | twelve;
<alarm> = set an alarm for <hour> [thirty | fifteen | forty five] in the (morning | evening);
<music> = play some (relaxing | happy | quiet | loud) music in the <room>;
<heat> = set the temperature to <hour> degrees;
"""

HOME_COMMANDS = [
    "turn on the lights in the bedroom",
    "turn off the lights in the garage",
    "set an alarm for six thirty in the morning",
    "play some happy music in the kitchen",
    "set the temperature to nine degrees",
    "play some quiet music in the living room",
    "set an alarm for eleven in the evening",
    "turn off the lights in the bathroom",
]
