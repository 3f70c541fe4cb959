-- wrk script: POST /v1/completions with a short greedy request, and a count of every status.
-- Completions rather than chat: llama-server's chat endpoint parses the model's output and answers
-- 500 on the invalid UTF-8 a random-weight model produces, which would measure nothing.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- CITADEL_KEY (a bearer credential) and MAX_TOKENS (default 16) come from the environment.
local max_tokens = os.getenv("MAX_TOKENS") or "16"
wrk.body = '{"model":"m","prompt":"Say something about load tests.","max_tokens":' .. max_tokens .. ',"temperature":0}'
if os.getenv("CITADEL_KEY") then wrk.headers["Authorization"] = "Bearer " .. os.getenv("CITADEL_KEY") end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(total) do table.insert(parts, code .. "=" .. n) end
  table.sort(parts)
  io.write(string.format("STATUS %s\n", table.concat(parts, " ")))
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.2f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f " ..
                         "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
                         summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
                         latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
                         summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
