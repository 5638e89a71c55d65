#!/usr/bin/env bash
# Inbound webhook benchmark: wrk posts signed Jira deliveries to a ticketd on loopback.
#
#   bash benchmarks/webhook_bench.sh [--seconds 10] [--connections 64] [--build build]
#                                    [-- extra ticketd flags, e.g. --kafka off]
#
# Starts ticketd on a fresh data directory, configures the tenant's Jira connection, then
# runs wrk (-t2, closed loop) for --seconds: every request is jira_issue_created.json (the
# real delivery in tests/fixtures/external) with its HMAC-SHA256 signature and a delivery
# id of its own, so each is checked, sealed and stored (synced) in the inbox before its
# 202. Prints wrk's line (202 answers/s and latency), then waits for the inbox to drain and
# prints the worker's rate over that run: after the first delivery imports TES-41, each
# later one re-applies the same issue and changes nothing (the apply path without writes).
# Any answer but 202 or a socket error fails the benchmark (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=10
connections=64
build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "webhook_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in wrk curl openssl; do
  command -v "$tool" >/dev/null || { echo "webhook_bench: $tool is missing (bash scripts/install-deps.sh)" >&2; exit 2; }
done
[ -x "$build/app/ticketd" ] || { echo "webhook_bench: build $build/app/ticketd first" >&2; exit 2; }

data=$(mktemp -d /tmp/ticketd-webhook-bench.XXXXXX)
secret="webhook-bench-$(date +%s%N)"
hook_secret="whsec-bench-$(date +%s%N)"
"$build/app/ticketd" --data-dir "$data" --listen 127.0.0.1:0 --jwt-secret "$secret" --rate-limit 0 "$@" \
  >"$data/ticketd.log" 2>&1 &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 600); do [ -s "$data/http.addr" ] && break; sleep 0.1; done
[ -s "$data/http.addr" ] || { echo "webhook_bench: ticketd did not start:" >&2; cat "$data/ticketd.log" >&2; exit 1; }
url="http://$(cat "$data/http.addr")"
admin=$("$build/app/ticketctl" token --jwt-secret "$secret" --role admin --tenant acme --sub ada --ttl 3600)
curl -sf -X PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"base_url\":\"https://example.atlassian.net\",\"webhook_secret\":\"$hook_secret\"}" \
  "$url/api/v1/integrations/jira" >/dev/null || { echo "webhook_bench: configuring the connection failed" >&2; exit 1; }
body=tests/fixtures/external/jira_issue_created.json
signature="sha256=$(openssl dgst -sha256 -hmac "$hook_secret" -r "$body" | cut -d' ' -f1)"
status() { curl -sf -H "Authorization: Bearer $admin" "$url/api/v1/integrations/jira/status"; }
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

echo "ticketd at $url; wrk -t2 -c$connections for ${seconds}s, closed loop, one signed delivery per request"
line=$(BENCH_BODY_FILE="$body" BENCH_SIGNATURE="$signature" BENCH_TENANT=acme \
  wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s benchmarks/http/webhook.lua "$url" | grep '^RESULT ' || true)
echo "${line/#RESULT/webhooks}"
start=$(date +%s.%N)
applied_before=$(status | field applied)
for _ in $(seq 1 1200); do
  [ "$(status | field inbox_depth)" = 0 ] && break
  sleep 0.25
done
end=$(date +%s.%N)
s=$(status)
echo "inbox drained $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s after wrk ended;" \
  "applied in all $(field applied <<<"$s"), $(( $(field applied <<<"$s") - applied_before )) of them after wrk ended;" \
  "inbox depth now $(field inbox_depth <<<"$s")"
grep -q ' non2xx=0 errors=0$' <<<"$line" || { echo "webhook_bench: FAILED: ${line:-no summary}" >&2; exit 1; }
