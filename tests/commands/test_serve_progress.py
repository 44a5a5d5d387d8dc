"""`voicegraph serve` says it is loading the engines before the seconds that takes.

Before, a served process printed `listening` and then nothing until `ready`, however long
the models took to load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.serving.serve_process import ServeProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

CONFIG = """
backend:
  provider: websocket
  options: {host: 127.0.0.1, port: 0}
graph:
  name: echo
  nodes:
    - {id: agent, type: echo_agent}
persistence:
  url: memory://
health:
  host: 127.0.0.1
  port: 0
"""


def test_serve_announces_the_engine_load_between_listening_and_ready(tmp_path: Path) -> None:
    config = tmp_path / "serve.yaml"
    config.write_text(CONFIG)
    with ServeProcess(config, tmp_path) as server:
        server.ready(30)
        names = [e.get("event") for _, e in server.events]
    assert names.index("listening") < names.index("loading") < names.index("ready"), server.tail()
