#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest.
#   TICKETD_BUILD=release (default) | asan | tsan   selects the build variant and its directory.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

variant="${TICKETD_BUILD:-release}"
case "$variant" in
  release) dir=build;      flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DTICKETD_ASAN=ON -DTICKETD_BUILD_BENCHMARKS=OFF) ;;
  tsan)    dir=build-tsan; flags=(-DCMAKE_BUILD_TYPE=Debug -DTICKETD_TSAN=ON -DTICKETD_BUILD_BENCHMARKS=OFF) ;;
  *) echo "unknown TICKETD_BUILD=$variant (release, asan, tsan)" >&2; exit 2 ;;
esac

cmake -S . -B "$dir" -G Ninja "${flags[@]}"
cmake --build "$dir" -j2
if [ "$variant" = tsan ]; then
  export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp ${TSAN_OPTIONS:-}"
fi
cd "$dir"
ctest --output-on-failure -j1
