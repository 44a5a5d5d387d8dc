#!/usr/bin/env bash
# Idempotent: a separate Python 3.11 venv with the real `vocode` package from PyPI at
# .venv-vocode/ under the repo (git-ignored). vocode pins old dependencies that clash with
# voicegraph's venv, so it never goes into the project's .venv. Prints the venv's python path.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VOCODE_VENV:-$ROOT/.venv-vocode}"
VERSION="${VOCODE_VERSION:-0.1.113}"
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c "import vocode.streaming.models.websocket" >/dev/null 2>&1; then
  echo "$PY"; exit 0
fi
python3.11 -m venv "$VENV" >&2
"$PY" -m pip install -q --upgrade pip >&2
"$PY" -m pip install -q "vocode==$VERSION" >&2
"$PY" -c "import vocode.streaming.models.websocket" >&2
echo "$PY"
