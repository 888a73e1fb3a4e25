#!/bin/sh
# What both quick start and tests need on a fresh Debian machine with Node >= 20 (as root):
# npm dependencies (only when package-lock.json changed), then podman/runc/busybox-static/mosquitto
# and the offline test images (ci/setup-podman.sh). Idempotent.
set -eu
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi
echo "== podman, runc and test images"
sh ci/setup-podman.sh
