# Sourced by the other scripts: the environment that keeps every build and
# every wrangler run offline and deterministic.
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
# worker-build would otherwise download wasm-bindgen, wasm-opt and esbuild.
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
# wrangler: no telemetry, and no request.cf lookup (it stalls the first
# request for seconds when the internet is out of reach).
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
