#!/usr/bin/env bash
# Idempotent: a separate Python 3.11 venv with the real `vocode` package from PyPI, in the
# machine's cache ($VOICEGRAPH_CACHE, default ~/.cache/voicegraph/venv-vocode-<version>,
# kept across clones). vocode pins old dependencies that clash with voicegraph's venv, so
# it never goes into the project's .venv. Prints the venv's python path.
set -euo pipefail
VERSION="${VOCODE_VERSION:-0.1.113}"
VENV="${VOCODE_VENV:-${VOICEGRAPH_CACHE:-$HOME/.cache/voicegraph}/venv-vocode-$VERSION}"
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c "import vocode.streaming.models.websocket" >/dev/null 2>&1; then
  echo "$PY"; exit 0
fi
python3.11 -m venv "$VENV" >&2
"$PY" -m pip install -q --upgrade pip >&2
"$PY" -m pip install -q "vocode==$VERSION" >&2
"$PY" -c "import vocode.streaming.models.websocket" >&2
echo "$PY"
