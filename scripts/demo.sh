#!/usr/bin/env bash
# The main job (README): installs what a fresh Debian 12 + Node 20 machine lacks (OpenSC's
# pkcs11-tool when run as root, the npm packages), builds the addon, the PKCS#11 library, the
# TLS engine and the TypeScript, then runs the end-to-end demo (`zkbridge demo`): an embedded
# emulator, a device key, a CSR, a local CA, an mTLS request from Node with the HSM key, a JWT,
# and the token listed by pkcs11-tool. Arguments go to the demo (`--model zymkey4`, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

# pkcs11-tool (Debian package opensc) is only for the demo's last step, which is skipped without
# it: install it when we can (as root), never fail for it.
if ! command -v pkcs11-tool >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian package: opensc (pkcs11-tool)"
    if ! { apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends opensc >/dev/null; }; then
      echo "warning: could not install opensc; the demo skips its pkcs11-tool step" >&2
    fi
  else
    echo "note: pkcs11-tool is not installed (sudo apt-get install opensc); the demo skips that step" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -f build/Release/zkbridge.node ] || npm run build:addon
if [ ! -f build-pkcs11/libzkbridge-pkcs11.so ] || [ ! -f build-pkcs11/libzkbridge-engine.so ]; then
  npm run build:pkcs11
fi
npx tsc -p tsconfig.json
exec node dist/bin/zkbridge.js demo "$@"
