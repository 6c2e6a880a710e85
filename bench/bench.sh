#!/usr/bin/env bash
# `npm run bench`: install the bench's own dependencies on first use (TensorFlow.js, kept out
# of the main install), then run the side-by-side benchmark. Arguments pass through:
#   bash bench/bench.sh --quick --only gpt,gpt-lora
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ ! -d bench/node_modules/@tensorflow/tfjs-backend-webgpu ]; then
  echo "bench: installing TensorFlow.js into bench/node_modules (first run only)"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi
export EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}"
# Dawn prints two lines about its own dynamic-offset limits on every device it creates.
exec npx tsx bench/run.ts "$@" 2> >(grep -v --line-buffered '^Warning: maxDynamic' >&2)
