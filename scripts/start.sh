#!/usr/bin/env bash
# `npm start`: set up, build, migrate the local D1 database, and serve
# orgscope at http://127.0.0.1:${PORT:-8787}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
bash scripts/migrate.sh
source scripts/env.sh
exec wrangler dev --ip 127.0.0.1 --port "${PORT:-8787}"
