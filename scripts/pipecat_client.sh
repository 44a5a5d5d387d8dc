#!/usr/bin/env bash
# Installs Pipecat's real JavaScript client (client-js 1.13.x with its small-webrtc and
# websocket transports) and esbuild from npm into the machine's cache
# ($VOICEGRAPH_CACHE, default ~/.cache/voicegraph/pipecat_client, kept across clones),
# then bundles tests/serving/pipecat_page/page.js into its page/ directory.
# Idempotent: npm runs only when the pinned versions change; the bundle is rebuilt when
# page.js differs from the one bundled (sha256). Prints the page directory on success.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${PIPECAT_CLIENT_CACHE:-${VOICEGRAPH_CACHE:-$HOME/.cache/voicegraph}/pipecat_client}"
PAGE_SRC="$ROOT/tests/serving/pipecat_page"
VERSIONS='"@pipecat-ai/client-js": "~1.13.1", "@pipecat-ai/small-webrtc-transport": "~1.10.8", "@pipecat-ai/websocket-transport": "~1.7.1", "esbuild": "0.28.2"'
mkdir -p "$CACHE/page"
STAMP="$CACHE/.versions"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$VERSIONS" ] || [ ! -d "$CACHE/node_modules/@pipecat-ai/client-js" ]; then
  cat > "$CACHE/package.json" <<JSON
{"name": "voicegraph-pipecat-client", "private": true, "dependencies": {$VERSIONS}}
JSON
  (cd "$CACHE" && npm install --no-audit --no-fund --loglevel=error >&2)
  echo "$VERSIONS" > "$STAMP"
fi
OUT="$CACHE/page/bundle.js"
# the cache is shared by every clone and worktree: rebuild when the bundled page.js is
# another one (its hash), not only when page.js is newer than the bundle
SOURCE="$(sha256sum "$PAGE_SRC/page.js" | cut -d' ' -f1) $VERSIONS"
if [ ! -f "$OUT" ] || [ "$(cat "$OUT.source" 2>/dev/null)" != "$SOURCE" ] || [ "$STAMP" -nt "$OUT" ]; then
  (cd "$CACHE" && NODE_PATH="$CACHE/node_modules" ./node_modules/.bin/esbuild "$PAGE_SRC/page.js" \
    --bundle --format=iife --outfile="$OUT" --log-level=warning >&2)
  echo "$SOURCE" > "$OUT.source"
fi
cp "$PAGE_SRC/index.html" "$CACHE/page/index.html"
echo "$CACHE/page"
