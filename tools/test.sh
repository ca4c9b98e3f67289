#!/usr/bin/env bash
# test.sh: the project's test command (the README's second command; .ci/run calls exactly this).
# Installs dependencies (idempotent), configures and builds everything in build/, then runs the
# whole ctest suite: unit, golden, fixtures, emulated, cli, fuzz (gpu tests skip without a GPU).
#   LF_BUILD_DIR   build folder (default: build)
#   LF_JOBS        parallel build/test jobs (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh
build="${LF_BUILD_DIR:-build}"
jobs="${LF_JOBS:-$(nproc)}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 1500
