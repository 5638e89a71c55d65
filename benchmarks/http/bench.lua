-- wrk script for benchmarks/http_bench.sh. Environment:
--   BENCH_TOKEN   bearer token
--   BENCH_MODE    create | comment | list | get
--   BENCH_IDS     file with one ticket id per line (comment, get)
--   BENCH_QUERY   query string of the list phase
--   BENCH_LABEL   first word of the summary line (RESULT for a measured run, WARMUP otherwise)
--   BENCH_INTERVAL_MS  0: closed loop; otherwise each wrk thread sends one request per this
--                 many milliseconds, on a fixed schedule (delay() below)
--
-- Every answer's status is counted (response() below); done() prints one line:
--   <label> ok=<2xx answers> seconds=.. ok_rps=<2xx answers per second> p50_ms=.. p90_ms=..
--           p99_ms=.. max_ms=.. requests=<all answers> non2xx=<count> statuses=<status:count,..>
--           errors=<socket errors>
-- ok_rps counts 2xx answers only. The latency percentiles are wrk's, over every answer; a run
-- with any non-2xx answer or socket error is a failed run (http_bench.sh exits non-zero).
local token = os.getenv("BENCH_TOKEN")
local mode = os.getenv("BENCH_MODE")
local ids = {}
local threads = {}

-- Per thread (globals of each thread's Lua state, read back with thread:get in done()).
ok = 0
statuses = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("seed", #threads)
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

local ffi = require("ffi")
ffi.cdef[[
  struct bench_timespec { long tv_sec; long tv_nsec; };
  int clock_gettime(int clock, struct bench_timespec* ts);
]]
local function now_ms()
  local ts = ffi.new("struct bench_timespec")
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local interval = tonumber(os.getenv("BENCH_INTERVAL_MS") or "0")
local next_send = nil

-- Paced runs: the wait until this thread's next slot (0 when behind: sent at once).
function delay()
  if interval <= 0 then return 0 end
  local now = now_ms()
  if next_send == nil then next_send = now end
  next_send = next_send + interval
  local wait = next_send - now
  return wait > 0 and wait or 0
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

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total_ok, non2xx, by_status = 0, 0, {}
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
      non2xx = non2xx + count
    end
  end
  local listed = {}
  for status, count in pairs(by_status) do listed[#listed + 1] = status .. ":" .. count end
  table.sort(listed)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "%s ok=%d seconds=%.2f ok_rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d non2xx=%d statuses=%s errors=%d\n",
    os.getenv("BENCH_LABEL") or "RESULT", total_ok, seconds, total_ok / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, non2xx, #listed > 0 and table.concat(listed, ",") or "-",
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
