#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang 16, ASan+UBSan) in build-asan (the same
# build as `TICKETD_BUILD=asan bash scripts/test.sh`) and runs each
# for RUNS executions (default 20000, the CI smoke; docs/benchmarks.md records a long run:
#   bash scripts/fuzz.sh 10000000
# ) starting from its corpus in fuzz/corpus/<harness>. New inputs go to a scratch directory,
# not into the repository. Any crash, leak, timeout (10 s) or out-of-memory fails the run;
# the input that caused it is left in build-asan/artifacts/.
#   FUZZERS="jwt_fuzz multipart_fuzz" limits the run to those harnesses.
# command_json_fuzz runs with libFuzzer's per-input leak check off: nearly every input it
# sends is a command that is carried out and grows the in-memory log, so libFuzzer would
# scan the whole heap after each one (800 against 3,000 executions/s). LeakSanitizer's check at exit
# still runs and reports any block left unreachable by any input.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20000}"
fuzzers=(${FUZZERS:-http_request_fuzz command_json_fuzz multipart_fuzz record_codec_fuzz jwt_fuzz})

cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTICKETD_FUZZ=ON -DTICKETD_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build build-asan -j2 --target "${fuzzers[@]}"

mkdir -p build-asan/artifacts
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
for f in "${fuzzers[@]}"; do
  name="${f%_fuzz}"
  scratch="$(mktemp -d)"
  echo "== $f: $runs runs from fuzz/corpus/$name"
  start=$(date +%s)
  extra=()
  if [ "$f" = command_json_fuzz ]; then extra=(-detect_leaks=0); fi
  if ! build-asan/fuzz/"$f" "${extra[@]}" -runs="$runs" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix=build-asan/artifacts/"$f"- "$scratch" fuzz/corpus/"$name" > build-asan/"$f".log 2>&1; then
    tail -n 60 build-asan/"$f".log
    echo "FAILED: $f (log: build-asan/$f.log)" >&2
    rm -rf "$scratch"
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^Done " build-asan/"$f".log | tr '\n' ' '
  echo "($(( $(date +%s) - start )) s)"
  rm -rf "$scratch"
done
echo "fuzzing: every harness ran $runs executions without a crash, leak or timeout"
