#!/usr/bin/env bash
# hack/test.sh — the README's test command: installs what is missing, builds everything, runs
# every test (unit and end-to-end) through ctest. Exit code 0 only when all pass.
#   hack/test.sh                 # all tests
#   hack/test.sh -L unit         # extra arguments go to ctest (here: only unit tests)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
hack/install-deps.sh
source hack/tools.sh
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" "$@"
