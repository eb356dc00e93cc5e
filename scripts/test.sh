#!/usr/bin/env bash
# `npm test`: set up, then every check CI runs, stopping at the first failure.
# The last lines printed are the integration test runner's own summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
source scripts/env.sh

step() { echo; echo "== $* =="; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy (host)"
cargo clippy --all-targets -- -D warnings
step "cargo clippy (wasm32)"
cargo clippy --target wasm32-unknown-unknown -- -D warnings
step "cargo test"
cargo test
step "console type check (tsc)"
tsc -p console
step "release build"
bash scripts/build.sh --force
step "integration tests (Miniflare)"
node --test --test-reporter=spec tests/*.test.mjs
