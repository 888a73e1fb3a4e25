#!/bin/sh
# Quick start on a fresh Debian machine with Node >= 20 (as root): installs what Peapod needs
# (npm deps; podman, runc, busybox-static; the offline demo images), builds, then `peapod up`:
# a hub and a local agent in the background (data and logs in ./.peapod) running examples/hello.yaml.
# Stop them with `node cli/dist/main.js down`.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
sh scripts/install.sh
echo "== build"
npx tsc -b
export CONTAINERS_CONF="$ROOT/ci/containers.conf"
exec node cli/dist/main.js up "$@"
