#!/bin/sh
# The full test suite, from a fresh Debian machine with Node >= 20 (as root):
# installs npm deps and podman/runc/busybox-static/mosquitto, builds the offline test images,
# builds, type-checks, lints, runs every test and prints a closing "N passed, N failed" line.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
sh scripts/install.sh
export CONTAINERS_CONF="$ROOT/ci/containers.conf"
echo "== build (tsc -b, strict)"
npx tsc -b
echo "== lint and format check (biome)"
npx biome check .
echo "== tests (vitest)"
mkdir -p .peapod
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.peapod/vitest.json "$@"
rc=$?
set -e
node -e '
const r = JSON.parse(require("fs").readFileSync(".peapod/vitest.json", "utf8"));
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit $rc
