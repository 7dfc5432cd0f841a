#!/usr/bin/env bash
# build.sh [BUILD_DIR] [CMAKE_BUILD_TYPE]: configures and builds scopereg.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
type=${2:-RelWithDebInfo}
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
ninja -C "$build" -j"$(nproc)"
