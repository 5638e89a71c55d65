#!/usr/bin/env bash
# HTTP benchmark: wrk against a running ticketd on loopback (wrk shares the machine's cores).
#
#   bash benchmarks/http_bench.sh [--seconds 15] [--warmup 3] [--connections 64] [--tickets 1000]
#                                 [--phases create,comment,list,get] [--rate N] [--follower]
#                                 [--build build] [-- extra ticketd flags, e.g. --kafka off]
#
# ticketd runs with its own defaults unless flags after -- say otherwise: the embedded Kafka
# cluster and the relay are on (--kafka off turns them off).
# Starts ticketd on a fresh temporary data directory (rate limit off: one token drives all
# 64 connections; access log on, written to a file), then runs four wrk phases. Each phase is
# a --warmup-second wrk run that is not reported, then the measured --seconds run, which prints
# one line (2xx answers/s, latency percentiles, non-2xx answers by status, socket errors):
#   create   POST /api/v1/tickets                    durable (WAL synced before the answer)
#   comment  POST /api/v1/tickets/{id}/comments      durable, over --tickets tickets at random
#   list     GET  /api/v1/tickets?status=new&priority=high&sort=-created&limit=20
#   get      GET  /api/v1/tickets/{id}               at random over --tickets tickets
# --phases picks phases (create always runs: the others need its tickets).
# --rate N paces the requests at N/s in all: each of wrk's two threads sends on a fixed
# schedule of one request per 2/N seconds over its connections (later when all of them wait
# for answers); the summary shows the rate reached.
# --follower also starts a follower (--follow, the leader's embedded cluster, a replication
# secret) and prints, after each phase, the follower's apply lag over that phase's measured
# run: from its ticketd_replica_apply_lag_seconds histogram (leader handling the command to
# the follower's log holding the record), the bucket bound at or below which 50 % and 99 %
# of the records fall, once the follower caught up.
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
phases=create,comment,list,get
rate=0
follower=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --tickets) tickets="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --phases) phases="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --follower) follower=1; shift ;;
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
replication=()
[ "$follower" = 1 ] && replication=(--replication-secret "$secret-replication")
"$build/app/ticketd" --data-dir "$data" --listen 127.0.0.1:0 --jwt-secret "$secret" --rate-limit 0 \
  "${replication[@]}" "$@" >"$data/ticketd.log" 2>&1 &
pid=$!
fpid=""
cleanup() {
  for p in $fpid $pid; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$data"
}
trap cleanup EXIT
await_addr() {  # await_addr DIR: waits for DIR/http.addr
  for _ in $(seq 1 600); do [ -s "$1/http.addr" ] && return 0; sleep 0.1; done
  echo "http_bench: ticketd in $1 did not start:" >&2; cat "$1/ticketd.log" >&2; exit 1
}
await_addr "$data"
addr=$(cat "$data/http.addr")
url="http://$addr"
if [ "$follower" = 1 ]; then
  [ -s "$data/kafka.bootstrap" ] || { echo "http_bench: --follower needs the leader's embedded Kafka" >&2; exit 2; }
  mkdir "$data/follower"
  "$build/app/ticketd" --data-dir "$data/follower" --listen 127.0.0.1:0 --jwt-secret "$secret" \
    --follow "$url" --kafka "$(cat "$data/kafka.bootstrap")" "${replication[@]}" \
    >"$data/follower/ticketd.log" 2>&1 &
  fpid=$!
  await_addr "$data/follower"
  furl="http://$(cat "$data/follower/http.addr")"
  echo "follower at $furl (pid $fpid)"
fi
token=$("$build/app/ticketctl" token --jwt-secret "$secret" --role agent --tenant acme --sub alex --ttl 3600)
echo "ticketd at $url (pid $pid), data in $data"
echo "wrk -t2 -c$connections: per phase ${warmup}s warm-up (not reported), then ${seconds}s measured;" \
  "closed loop ($connections requests in flight, no constant arrival rate: latencies are at that" \
  "concurrency, not free of coordinated omission); ok_rps counts 2xx answers only"
[ "$rate" != 0 ] && echo "paced: $rate requests/s in all, on a fixed schedule per wrk thread"

failed=0
wrk_run() {  # wrk_run LABEL SECONDS MODE: prints wrk's summary line of bench.lua
  BENCH_TOKEN="$token" BENCH_MODE="$3" BENCH_IDS="$data/ids" BENCH_LABEL="$1" \
    BENCH_INTERVAL_MS=$(awk -v r="$rate" 'BEGIN { print (r > 0 ? 1000 * 2 / r : 0) }') \
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
lag_buckets() {  # the follower's apply-lag histogram: "le count" lines (cumulative)
  curl -sf "$furl/metrics" | sed -n 's/^ticketd_replica_apply_lag_seconds_bucket{le="\([^"]*\)"} \([0-9]*\)$/\1 \2/p'
}
await_follower() {  # waits (up to a minute) until the follower's log reaches the leader's head now
  local head
  head=$(curl -sf "$url/readyz" | sed -n 's/.*"log_head":\([0-9]*\).*/\1/p')
  for _ in $(seq 1 600); do
    [ "$(curl -sf "$furl/readyz" | sed -n 's/.*"log_head":\([0-9]*\).*/\1/p')" -ge "$head" ] && return 0
    sleep 0.1
  done
  echo "http_bench: FAILED: the follower did not reach position $head in a minute" >&2
  failed=1
}
follower_lag() {  # follower_lag PHASE BEFORE: the lag over the records appended since BEFORE
  await_follower
  paste -d' ' <(echo "$2") <(lag_buckets) | awk -v phase="$1" '
    { le[NR] = $1; n[NR] = $4 - $2 }
    END {
      total = n[NR]
      for (i = 1; i <= NR; i++) {
        if (p50 == "" && n[i] >= 0.50 * total) p50 = le[i]
        if (p99 == "" && n[i] >= 0.99 * total) p99 = le[i]
      }
      printf "follower lag over %s: records=%d p50<=%s s p99<=%s s\n", phase, total, p50, p99
    }'
}
phase() {  # phase NAME
  local name="$1" line before=""
  case ",$phases," in *",$name,"*) ;; *) [ "$name" != create ] && return 0 ;; esac
  if [ "$warmup" != 0 ]; then
    line=$(wrk_run WARMUP "$warmup" "$name")
    check "$name (warm-up)" "$line"
  fi
  if [ "$follower" = 1 ]; then
    await_follower
    before=$(lag_buckets)
  fi
  line=$(wrk_run RESULT "$seconds" "$name")
  check "$name" "$line"
  echo "${line/#RESULT/$name}"
  [ "$follower" = 1 ] && follower_lag "$name" "$before"
  return 0
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
