#!/usr/bin/env bash
# Applies every migration in migrations/ to the local D1 database
# (.wrangler/state), the same files `wrangler d1 migrations apply --remote` uses.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# CI=true answers wrangler's confirmation prompt.
CI=true wrangler d1 migrations apply DB --local
