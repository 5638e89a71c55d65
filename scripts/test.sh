#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest.
#   TICKETD_BUILD=release (default) | asan | tsan   selects the build variant and its directory.
# The asan variant is clang 16 with ASan+UBSan and libFuzzer's coverage hooks, the build that
# scripts/fuzz.sh uses too, so one sanitizer build serves the suite and the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

variant="${TICKETD_BUILD:-release}"
case "$variant" in
  release) dir=build;      flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    dir=build-asan; flags=(-DCMAKE_CXX_COMPILER=clang++-16
                             -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTICKETD_FUZZ=ON -DTICKETD_BUILD_BENCHMARKS=OFF) ;;
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
