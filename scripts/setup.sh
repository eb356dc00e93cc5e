#!/usr/bin/env bash
# Installs what building and running orgscope needs, skipping whatever is
# already there, so that `npm start` and `npm test` work on a fresh machine
# that has only rustup, Node 20 and npm. With --browser (as `npm test` runs
# it) it also installs Debian's Chromium for the console's browser tests.
#
# Versions are pinned because they must agree: the wasm-bindgen crate in
# Cargo.toml must equal the wasm-bindgen CLI, and wrangler 4.86.0 is the last
# release that runs on Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.129

say() { echo "[setup] $*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component component"
    rustup component add "$component"
  fi
done

if ! worker-build --version 2>/dev/null | grep -qF "$WORKER_BUILD_VERSION"; then
  say "installing worker-build $WORKER_BUILD_VERSION (a few minutes, once)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
fi

if [ ! -f .dev.vars ]; then
  say "writing .dev.vars from .dev.vars.example (local development secret)"
  cp .dev.vars.example .dev.vars
fi

# The console's end-to-end tests drive Debian's Chromium through
# playwright-core: a test tool's own browser download cannot reach the
# internet from these machines, the Debian archive can.
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium for the console's browser tests"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends chromium \
    || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends chromium; }
fi
