#!/usr/bin/env bash
# HTTP benchmark: wrk against a running ticketd on loopback (wrk shares the machine's cores).
#
#   bash benchmarks/http_bench.sh [--seconds 15] [--warmup 3] [--connections 64] [--tickets 1000]
#                                 [--build build] [-- extra ticketd flags, e.g. --workers 32]
#
# Starts ticketd on a fresh temporary data directory (rate limit off: one token drives all
# 64 connections; access log on, written to a file), then runs four wrk phases. Each phase is
# a --warmup-second wrk run that is not reported, then the measured --seconds run, which prints
# one line (2xx answers/s, latency percentiles, non-2xx answers by status, socket errors):
#   create   POST /api/v1/tickets                    durable (WAL synced before the answer)
#   comment  POST /api/v1/tickets/{id}/comments      durable, over --tickets tickets at random
#   list     GET  /api/v1/tickets?status=new&priority=high&sort=-created&limit=20
#   get      GET  /api/v1/tickets/{id}               at random over --tickets tickets
# Only 2xx answers count in requests/s. Any non-2xx answer or socket error, in a warm-up or a
# measured run, fails the benchmark: every phase still runs, and the script exits 1.
#
# wrk is a closed-loop generator: each connection sends its next request only when the
# previous answer arrived, so the latencies are those of 64 requests kept in flight, not of a
# constant arrival rate (a stall delays the requests that would have been sent meanwhile
# instead of timing them: coordinated omission). Read them as latency at that concurrency.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=15
warmup=3
connections=64
tickets=1000
build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --tickets) tickets="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "http_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "http_bench: $tool is missing (bash scripts/install-deps.sh)" >&2; exit 2; }
done
[ -x "$build/app/ticketd" ] || { echo "http_bench: build $build/app/ticketd first" >&2; exit 2; }

data=$(mktemp -d /tmp/ticketd-http-bench.XXXXXX)
secret="http-bench-secret-$(date +%s%N)"
"$build/app/ticketd" --data-dir "$data" --listen 127.0.0.1:0 --jwt-secret "$secret" --rate-limit 0 "$@" \
  >"$data/ticketd.log" 2>&1 &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 600); do [ -s "$data/http.addr" ] && break; sleep 0.1; done
[ -s "$data/http.addr" ] || { echo "http_bench: ticketd did not start:" >&2; cat "$data/ticketd.log" >&2; exit 1; }
addr=$(cat "$data/http.addr")
url="http://$addr"
token=$("$build/app/ticketctl" token --jwt-secret "$secret" --role agent --tenant acme --sub alex --ttl 3600)
echo "ticketd at $url (pid $pid), data in $data"
echo "wrk -t2 -c$connections: per phase ${warmup}s warm-up (not reported), then ${seconds}s measured;" \
  "closed loop ($connections requests in flight, no constant arrival rate: latencies are at that" \
  "concurrency, not free of coordinated omission); ok_rps counts 2xx answers only"

failed=0
wrk_run() {  # wrk_run LABEL SECONDS MODE: prints wrk's summary line of bench.lua
  BENCH_TOKEN="$token" BENCH_MODE="$3" BENCH_IDS="$data/ids" BENCH_LABEL="$1" \
    BENCH_QUERY="status=new&priority=high&sort=-created&limit=20" \
    wrk -t2 -c"$connections" -d"$2s" --timeout 10s -s benchmarks/http/bench.lua "$url" \
    | grep "^$1 " || true
}
check() {  # check PHASE LINE: a missing line, a non-2xx answer or a socket error fails the run
  if ! grep -q ' non2xx=0 .* errors=0$' <<<"$2"; then
    echo "http_bench: FAILED $1: ${2:-wrk printed no summary}" >&2
    failed=1
  fi
}
phase() {  # phase NAME
  local name="$1" line
  if [ "$warmup" != 0 ]; then
    line=$(wrk_run WARMUP "$warmup" "$name")
    check "$name (warm-up)" "$line"
  fi
  line=$(wrk_run RESULT "$seconds" "$name")
  check "$name" "$line"
  echo "${line/#RESULT/$name}"
}

phase create
# The newest tickets' ids (the read models catch up first).
for _ in $(seq 1 300); do
  lag=$(curl -s "$url/readyz" | sed -n 's/.*"lag":\([0-9]*\).*/\1/p')
  [ "${lag:-1}" = 0 ] && break
  sleep 0.1
done
: >"$data/ids"
cursor=""
while [ "$(wc -l <"$data/ids")" -lt "$tickets" ]; do
  page=$(curl -sf -H "Authorization: Bearer $token" "$url/api/v1/tickets?limit=200${cursor:+&cursor=$cursor}") \
    || { echo "http_bench: FAILED: listing the created tickets' ids" >&2; exit 1; }
  echo "$page" | grep -o '"id":"[^"]*"' | cut -d'"' -f4 >>"$data/ids"
  cursor=$(echo "$page" | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
  [ -n "$cursor" ] || break
done
head -n "$tickets" "$data/ids" >"$data/ids.tmp" && mv "$data/ids.tmp" "$data/ids"
[ -s "$data/ids" ] || { echo "http_bench: no ticket ids to comment on or get" >&2; exit 1; }
echo "comment and get phases over $(wc -l <"$data/ids") tickets"
phase comment
phase list
phase get
echo "ticketd: $(grep -c ' access ' "$data/ticketd.log") access log lines"
if [ "$failed" != 0 ]; then
  echo "http_bench: FAILED: non-2xx answers or socket errors (above); the figures do not stand" >&2
  exit 1
fi
