"""The demo conversation of `voicegraph run`: the caller's script and the scripted agent's replies."""

from __future__ import annotations

from voicegraph.demo.caller_line import CallerLine

DEMO_SCRIPT: tuple[CallerLine, ...] = (
    CallerLine("Hello, what is your name?"),
    CallerLine("Can you tell me about the planets of the solar system?"),
    CallerLine("Which one of them is the biggest?", barge_in_s=2.0),
)
"""Three turns; the third cuts off the answer to the second (a barge-in)."""

DEMO_RULES: tuple[tuple[str, str], ...] = (
    (r"\bbiggest|largest", "Jupiter is the biggest planet. It is more than eleven times wider than Earth."),
    (
        r"\bplanet|solar",
        "The solar system has eight planets. Mercury is the closest to the sun, then come Venus, "
        "Earth and Mars. Beyond the asteroid belt are the gas giants Jupiter and Saturn, and "
        "farther out the ice giants Uranus and Neptune.",
    ),
    (r"\bname\b", "My name is Vee. I am a voice agent made of graph nodes, running on this computer."),
    (r"\b(bye|goodbye|thank)", "You are welcome. Goodbye!"),
)
"""ScriptedAgent rules (pattern, reply), tried in order; others get a default reply."""

DEMO_DEFAULT_REPLY = "I heard you say: {user}"
