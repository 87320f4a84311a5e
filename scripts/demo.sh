#!/usr/bin/env bash
# The main job (README): installs the npm packages when missing, builds, and runs the codec
# self-check and a short benchmark. Later issues turn this into the end-to-end demo.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -f build/Release/zkbridge.node ] || npm run build:addon
npx tsc -p tsconfig.json
node dist/bin/zkbridge.js selfcheck "$@"
