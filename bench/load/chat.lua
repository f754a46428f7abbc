-- wrk script: POST a fixed chat request body and report machine-readable stats.
--
-- Environment (set by run.sh):
--   BENCH_BODY_FILE  file holding the exact request body (model and stream flag already filled in)
--   BENCH_PATH       request path, e.g. /json/v1/chat/completions or /v1/chat/completions
--   BENCH_AUTH       optional bearer token (sent as "Authorization: Bearer <token>")
--
-- done() prints one line starting with "WRKSTAT" followed by key=value pairs separated by tabs;
-- run.sh parses it. Latencies are in microseconds and come from wrk's histogram, which wrk 4.x
-- corrects for coordinated omission before calling done(): fine at c >= 16, misleading at c = 1
-- (use probe.py for c = 1).

local body_file = os.getenv("BENCH_BODY_FILE")
local f = assert(io.open(body_file, "rb"), "cannot open BENCH_BODY_FILE " .. tostring(body_file))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/v1/chat/completions"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local auth = os.getenv("BENCH_AUTH")
if auth ~= nil and auth ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. auth
end

-- No request()/response() hooks: defining response() makes wrk hand every body to Lua,
-- which would turn the load generator into the bottleneck. wrk.format() is evaluated once.

function done(summary, latency, requests)
  local e = summary.errors
  local fields = {
    "WRKSTAT",
    "requests=" .. summary.requests,
    "duration_us=" .. summary.duration,
    "bytes=" .. summary.bytes,
    "err_connect=" .. e.connect,
    "err_read=" .. e.read,
    "err_write=" .. e.write,
    "err_status=" .. e.status,
    "err_timeout=" .. e.timeout,
    "lat_mean_us=" .. string.format("%.1f", latency.mean),
    "lat_max_us=" .. latency.max,
    "lat_p50_us=" .. latency:percentile(50),
    "lat_p90_us=" .. latency:percentile(90),
    "lat_p99_us=" .. latency:percentile(99),
  }
  io.write(table.concat(fields, "\t") .. "\n")
end
