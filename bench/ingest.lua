-- wrk's script for the ingest bench (bench/run.ts): POSTs the event bench/run.ts describes, each with a
-- fresh messageId, as batches of `events` or one at a time. wrk (C, from Debian's packages) costs the
-- machine a fraction of what a Node.js load generator does, so more of its two cores go to the server.
--   wrk -t1 -c50 -d8s -s bench/ingest.lua URL -- <path> <events> <diverse 0|1>

local path, events, diverse
local counter, shopper = 0, 0
local run = string.format("%x-%x", os.time(), math.random(1, 2 ^ 30))
local parts = {}

local E0 = '{"type":"track","event":"Product Viewed","messageId":"'
local E1 = '","anonymousId":"'
local E2 = '","timestamp":"'
local E3 = '","properties":{"product_id":"'
local E4 = '","name":"Studio Burr Grinder","category":"Kitchen","price":129.99,"currency":"EUR"},"context":{"page":{"url":"https://shop.test/product.html?id=SKU-042","path":"/product.html","referrer":"","title":"Studio Burr Grinder"},"userAgent":"Mozilla/5.0 (X11; Linux x86_64) bench","locale":"en-GB","library":{"name":"patron.js","version":"0.1.0"},"sessionId":"7d1e0c38-6c1f-4d7e-9d51-1f2c4f0b9a11"}}'

function init(args)
  path = args[1] or "/v1/batch"
  events = tonumber(args[2] or "20")
  diverse = args[3] == "1"
  math.randomseed(os.time())
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Basic cGtfYmVuY2g6" -- pk_bench:
end

function request()
  local now = os.date("!%Y-%m-%dT%H:%M:%S.000Z")
  for i = 1, events do
    counter = counter + 1
    local visitor, product = "bench-visitor-0001", "SKU-042"
    if diverse then
      -- 100,000 shoppers and 50,000 products, popular ones far more often: learning as in a real shop.
      shopper = (shopper + 7919) % 100000
      visitor = "shopper-" .. shopper
      product = "SKU-" .. math.floor(math.random() ^ 2.2 * 50000)
    end
    parts[i] = E0 .. run .. "-" .. counter .. E1 .. visitor .. E2 .. now .. E3 .. product .. E4
  end
  local body = events == 1 and parts[1] or ('{"batch":[' .. table.concat(parts, ",", 1, events) .. "]}")
  return wrk.format(nil, path, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %d %d %d %.3f %.3f\n", summary.requests, summary.duration, errors, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
