-- wrk script for benchmarks/webhook_bench.sh: the same signed Jira body every time, each
-- request with its own X-Atlassian-Webhook-Identifier (so none is a duplicate). Environment:
--   BENCH_BODY_FILE   the body; BENCH_SIGNATURE  its "sha256=<hex>"; BENCH_TENANT
-- done() prints: RESULT ok=<202 answers> seconds=.. ok_rps=.. p50_ms=.. p99_ms=.. max_ms=..
--                requests=.. non2xx=.. errors=..
local threads = {}
ok = 0
other = 0

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end

local body, n = nil, 0
function init(args)
  local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
  body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.path = "/api/v1/integrations/jira/webhook?tenant=" .. os.getenv("BENCH_TENANT")
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Hub-Signature"] = os.getenv("BENCH_SIGNATURE")
end

function request()
  n = n + 1
  wrk.headers["X-Atlassian-Webhook-Identifier"] = "bench-" .. id .. "-" .. n
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, b)
  if status == 202 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_other = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_other = total_other + t:get("other")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT ok=%d seconds=%.2f ok_rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d non2xx=%d errors=%d\n",
    total_ok, seconds, total_ok / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, total_other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
