#!/usr/bin/env bash
# Build (once) and locate a livekit-server binary for tests and CI.
#
# Builds github.com/livekit/livekit-server/cmd/server at a pinned version with
# `go install` through the Go module proxy, into a cache that persists across
# CI runs on the same machine:
#   ${VOICEGRAPH_CACHE:-$HOME/.cache/voicegraph}/livekit/<version>/server
# GOPATH/GOMODCACHE/GOCACHE live under the same cache so rebuilds are fast.
# Skips the build when the binary already exists.
# The binary path is printed on stdout as the last line; build logs go to stderr.
#
# Env:
#   LIVEKIT_SERVER_BIN      use this binary as is (no build)
#   LIVEKIT_SERVER_VERSION  override the pinned version
#   VOICEGRAPH_CACHE        cache root (default: $HOME/.cache/voicegraph)
set -euo pipefail

PINNED_VERSION="v1.13.5"
VERSION="${LIVEKIT_SERVER_VERSION:-$PINNED_VERSION}"

if [[ -n "${LIVEKIT_SERVER_BIN:-}" ]]; then
    if [[ ! -x "$LIVEKIT_SERVER_BIN" ]]; then
        echo "LIVEKIT_SERVER_BIN=$LIVEKIT_SERVER_BIN is not an executable file" >&2
        exit 1
    fi
    echo "$LIVEKIT_SERVER_BIN"
    exit 0
fi

CACHE_ROOT="${VOICEGRAPH_CACHE:-$HOME/.cache/voicegraph}"
BIN_DIR="$CACHE_ROOT/livekit/$VERSION"
BIN="$BIN_DIR/server"

if [[ -x "$BIN" ]]; then
    echo "$BIN"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "go toolchain not found on PATH; cannot build livekit-server" >&2
    exit 1
fi

GO_CACHE_ROOT="$CACHE_ROOT/go"
mkdir -p "$BIN_DIR" "$GO_CACHE_ROOT"

# Serialize concurrent builds (e.g. two pytest sessions starting at once).
LOCK="$BIN_DIR/.build.lock"
exec 9>"$LOCK"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
if [[ -x "$BIN" ]]; then
    echo "$BIN"
    exit 0
fi

TMP_BIN_DIR="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
trap 'rm -rf "$TMP_BIN_DIR"' EXIT

echo "building livekit-server $VERSION into $BIN (this takes several minutes on 2 cores)" >&2
start=$(date +%s)
env \
    GOPATH="$GO_CACHE_ROOT/path" \
    GOMODCACHE="$GO_CACHE_ROOT/mod" \
    GOCACHE="$GO_CACHE_ROOT/build" \
    GOBIN="$TMP_BIN_DIR" \
    GOFLAGS="-trimpath" \
    CGO_ENABLED=0 \
    go install "github.com/livekit/livekit-server/cmd/server@$VERSION" >&2
mv "$TMP_BIN_DIR/server" "$BIN"
echo "built livekit-server $VERSION in $(( $(date +%s) - start ))s" >&2

echo "$BIN"
