"""A graph declared in YAML, with a custom node type registered for it.

Shows: `build_graph("examples/yaml_graph.yaml")` creating each node by its registry
`type` with typed `params` (checked against the node's `__init__`: a wrong name or type
is one clear `invalid_config` line per mistake), and registering your own node type
explicitly (`registry.register`). A package can instead publish it as an entry point:

    [project.entry-points."voicegraph.processors"]
    shout = "mypackage.nodes:Shout"

Run:  python examples/yaml_graph.py ["your message"]     (--smoke: two fixed messages)
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from voicegraph.framework import Outbox, Processor, Runtime, handles
from voicegraph.framework.errors import VoiceError
from voicegraph.framework.frames import LLMMessagesFrame, SentenceFrame
from voicegraph.framework.registry import registry
from voicegraph.framework.spec import build_graph

SPEC = Path(__file__).with_name("yaml_graph.yaml")


class Shout(Processor):
    """Upper-cases sentences. Handles and emits `SentenceFrame`; no latency; no state."""

    def __init__(self, *, suffix: str = "!", name: str | None = None) -> None:
        super().__init__(name=name)
        self._suffix = suffix

    @handles
    async def on_sentence(self, frame: SentenceFrame, out: Outbox) -> None:
        await out.send(SentenceFrame(text=frame.text.upper().rstrip(".!?") + self._suffix))


async def run(messages: list[str]) -> None:
    registry.register("processors", "shout", Shout)  # now `type: shout` works in any spec
    graph = build_graph(SPEC)
    async with Runtime(graph) as rt:
        out = rt.collect()
        for text in messages:
            await rt.push(LLMMessagesFrame(messages=({"role": "user", "content": text},)))
    print("\n".join(f.text for f in out if isinstance(f, SentenceFrame)))
    try:  # a mistake in a spec is reported with its code and where it is
        build_graph({"nodes": [{"id": "shout", "type": "shout", "params": {"sufix": "?"}}]})
    except VoiceError as exc:
        print(f"[{exc.code}] {exc.details[0] if exc.details else exc.message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("message", nargs="*")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.message if args.message and not args.smoke else ["hello", "what is the weather?"]))


if __name__ == "__main__":
    main()
