-- wrk script for bench/webhook_ingest.py.
--   wrk ... -s bench/webhook_ingest.lua http://127.0.0.1:PORT -- GET /healthz
--   wrk ... -s bench/webhook_ingest.lua http://127.0.0.1:PORT -- POST /webhooks/mindbody/ FILE
-- FILE holds one pre-signed event a line: "<X-Mindbody-Signature>\t<raw JSON body>". Thread k of n
-- sends lines k, k+n, k+2n ...; running past its share wraps around (those repeats answer 200 and
-- are counted as "wrapped"). Each thread counts the answers; done() prints one JSON line.

local threads = {}
local nthreads = 0

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  threads[nthreads] = thread
end

function init(args)
  method = args[1]
  path = args[2]
  c2xx_202, c2xx_200, cother, wrapped = 0, 0, 0, 0
  reqs = {}
  idx = 0
  if method == "GET" then
    reqs[1] = wrk.format("GET", path, { ["Host"] = "127.0.0.1" })
    return
  end
  local n = tonumber(args[4])
  local i = 0
  for line in io.lines(args[3]) do
    if i % n == tid then
      local sig, body = line:match("^([^\t]+)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", path, {
        ["Host"] = "127.0.0.1",
        ["Content-Type"] = "application/json",
        ["X-Mindbody-Signature"] = sig,
      }, body)
    end
    i = i + 1
  end
end

function request()
  idx = idx + 1
  if idx > #reqs then
    idx = 1
    if method ~= "GET" then wrapped = wrapped + 1 end
  end
  return reqs[idx]
end

function response(status, headers, body)
  if status == 202 then
    c2xx_202 = c2xx_202 + 1
  elseif status == 200 then
    c2xx_200 = c2xx_200 + 1
  else
    cother = cother + 1
  end
end

function done(summary, latency, requests)
  local a202, a200, other, wraps = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a202 = a202 + t:get("c2xx_202")
    a200 = a200 + t:get("c2xx_200")
    other = other + t:get("cother")
    wraps = wraps + t:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "s202": %d, "s200": %d, "other": %d, "wrapped": %d, '
      .. '"err_connect": %d, "err_read": %d, "err_write": %d, "err_timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, a202, a200, other, wraps,
    e.connect, e.read, e.write, e.timeout))
end
