-- wrk script for benchmarks/http_bench.sh. Environment:
--   BENCH_TOKEN   bearer token
--   BENCH_MODE    create | comment | list | get
--   BENCH_IDS     file with one ticket id per line (comment, get)
--   BENCH_QUERY   query string of the list phase
local token = os.getenv("BENCH_TOKEN")
local mode = os.getenv("BENCH_MODE")
local ids = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed or 1)
  local path = os.getenv("BENCH_IDS")
  if mode ~= "create" and mode ~= "list" then
    for line in io.lines(path) do
      if line ~= "" then ids[#ids + 1] = line end
    end
  end
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

local n = 0
function request()
  n = n + 1
  if mode == "create" then
    return wrk.format("POST", "/api/v1/tickets", nil,
      '{"subject":"Bench ticket ' .. n .. '","description":"Printer on floor ' .. (n % 7) ..
      ' prints blank pages.","priority":"high","category":"technical"}')
  elseif mode == "comment" then
    local id = ids[math.random(#ids)]
    return wrk.format("POST", "/api/v1/tickets/" .. id .. "/comments", nil,
      '{"body":"Checked the driver again, attempt ' .. n .. '."}')
  elseif mode == "list" then
    return wrk.format("GET", "/api/v1/tickets?" .. os.getenv("BENCH_QUERY"))
  else
    local id = ids[math.random(#ids)]
    return wrk.format("GET", "/api/v1/tickets/" .. id)
  end
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
