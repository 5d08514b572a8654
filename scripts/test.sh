#!/usr/bin/env bash
# Builds everything with warnings as errors and runs the whole test suite.
# BUILD_DIR (default build-test) and BUILD_TYPE (default Debug) can be overridden.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Debug}" -DOPTIVERSE_WERROR=ON ${CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"
cd "$build"
QT_QPA_PLATFORM=offscreen ctest --output-on-failure --timeout 300 ${CTEST_ARGS:-}
