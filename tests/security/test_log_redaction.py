"""The serve logging layer masks secrets: env values, URL passwords, bearer tokens, query tokens."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.backends.server_process import ROOT
from voicegraph.backends.log_redaction import MASK, SecretRedactor, secret_values

SCRIPT = textwrap.dedent(
    """
    import logging, os
    from voicegraph.backends.serve_log import setup_logging
    setup_logging("debug")
    log = logging.getLogger("voicegraph.test")
    log.info("store at %s", os.environ["VG_STORE_URL"])
    log.info("headers %s", {"authorization": "Bearer " + os.environ["VG_TOKENS"].split("=")[0]})
    log.info("GET /ws?token=%s&x=1", "query-token-5566778899")
    try:
        raise RuntimeError("provider said: bad key " + os.environ["DEEPGRAM_API_KEY"])
    except RuntimeError:
        log.exception("call failed")
    """
)


def test_serve_logging_masks_every_secret_in_lines_and_tracebacks() -> None:
    env = {
        **os.environ, "PYTHONPATH": str(ROOT),
        "VG_STORE_URL": "redis://:s3cret-redis-pw@10.0.0.5:6379/0",
        "VG_TOKENS": "tok-abcdef123456=alice,tok-zyxwvu987654=bob:session.*",
        "DEEPGRAM_API_KEY": "dg-key-0f1e2d3c4b5a",
    }  # fmt: skip
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    for secret in ("s3cret-redis-pw", "tok-abcdef123456", "query-token-5566778899", "dg-key-0f1e2d3c4b5a"):
        assert secret not in done.stderr, secret
    assert "call failed" in done.stderr and "Traceback" in done.stderr and MASK in done.stderr


def test_secret_values_split_token_lists_and_skip_ordinary_variables() -> None:
    found = secret_values({
        "VG_AUTH_TOKENS": "tok-abcdef123456=alice,tok-zyxwvu987654=bob:session.*",
        "REDIS_URL": "redis://user:pw-12345678@host:6379/0",
        "HOME": "/home/someone", "LANG": "C.UTF-8", "SSH_AUTH_SOCK": "/tmp/agent.1",
        "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1",
    })  # fmt: skip
    assert {"tok-abcdef123456", "tok-zyxwvu987654", "pw-12345678"} <= found
    assert not found & {"/home/someone", "C.UTF-8", "/tmp/agent.1", "http://127.0.0.1:8080/v1"}


def test_redactor_masks_the_longest_value_whole() -> None:
    redact = SecretRedactor(["abcdef", "abcdef-ghijkl"])
    assert redact("key=abcdef-ghijkl;") == f"key={MASK};"
