#!/usr/bin/env bash
# HTTP benchmark: wrk against a running ticketd on loopback (wrk shares the machine's cores).
#
#   bash benchmarks/http_bench.sh [--seconds 15] [--connections 64] [--tickets 1000] [--build build]
#                                 [-- extra ticketd flags, e.g. --workers 32]
#
# Starts ticketd on a fresh temporary data directory (rate limit off: one token drives all
# 64 connections; access log on, written to a file), then runs four wrk phases and prints
# one RESULT line each (requests/s, latency percentiles, socket errors, non-2xx answers):
#   create   POST /api/v1/tickets                    durable (WAL synced before the answer)
#   comment  POST /api/v1/tickets/{id}/comments      durable, over --tickets tickets at random
#   list     GET  /api/v1/tickets?status=new&priority=high&sort=-created&limit=20
#   get      GET  /api/v1/tickets/{id}               at random over --tickets tickets
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=15
connections=64
tickets=1000
build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
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
addr=$(cat "$data/http.addr")
url="http://$addr"
token=$("$build/app/ticketctl" token --jwt-secret "$secret" --role agent --tenant acme --sub alex --ttl 3600)
echo "ticketd at $url (pid $pid), data in $data; wrk -t2 -c$connections -d${seconds}s"

phase() {  # phase NAME [extra env]
  local name="$1"
  BENCH_TOKEN="$token" BENCH_MODE="$name" BENCH_IDS="$data/ids" \
    BENCH_QUERY="status=new&priority=high&sort=-created&limit=20" \
    wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s benchmarks/http/bench.lua "$url" \
    | sed -n "s/^RESULT /$name /p"
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
  page=$(curl -s -H "Authorization: Bearer $token" "$url/api/v1/tickets?limit=200${cursor:+&cursor=$cursor}")
  echo "$page" | grep -o '"id":"[^"]*"' | cut -d'"' -f4 >>"$data/ids"
  cursor=$(echo "$page" | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
  [ -n "$cursor" ] || break
done
head -n "$tickets" "$data/ids" >"$data/ids.tmp" && mv "$data/ids.tmp" "$data/ids"
echo "comment and get phases over $(wc -l <"$data/ids") tickets"
phase comment
phase list
phase get
echo "ticketd: $(grep -c ' access ' "$data/ticketd.log") access log lines"
