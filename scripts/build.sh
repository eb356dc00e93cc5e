#!/usr/bin/env bash
# Builds the web console into console/dist, then the release Worker into
# build/ (index.js + index_bg.wasm).
# Skips the build when build/ is newer than every Rust source, so that a
# second `npm start` starts in seconds; pass --force to build anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The web console (static assets) builds in well under a second: always.
node console/build.mjs

if [ "${1:-}" != "--force" ] && [ -f build/index_bg.wasm ] \
  && [ -z "$(find src Cargo.toml Cargo.lock -newer build/index_bg.wasm -print -quit)" ]; then
  echo "[build] build/ is up to date"
  exit 0
fi
echo "[build] worker-build --release"
worker-build --release
node scripts/strip-wasm-names.mjs build/index_bg.wasm
echo "[build] build/index_bg.wasm: $(wc -c < build/index_bg.wasm) bytes, $(gzip -9 -c build/index_bg.wasm | wc -c) gzipped"
