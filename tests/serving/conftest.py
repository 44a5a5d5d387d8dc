"""Fixtures for the serving tests: cold `voicegraph serve` processes, stopped by pid at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .serve_process import ServeProcess, config_path


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., ServeProcess]]:
    """Start `voicegraph serve configs/<name>.yaml` cold; every process is stopped at module end
    (SIGTERM by pid), and the module errors if one needed a second signal or exited non-zero."""
    started: list[ServeProcess] = []

    def start(name: str, **options: Any) -> ServeProcess:
        server = ServeProcess(config_path(name), tmp_path_factory.mktemp(f"serve-{name}"), **options)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
    unclean = [server.tail(15) for server in started if not server.exited_cleanly]
    if unclean:  # a graceful stop that hangs is a bug users meet (supervisors SIGKILL it)
        pytest.fail("server(s) did not exit 0 on one SIGTERM:\n" + "\n".join(unclean), pytrace=False)
