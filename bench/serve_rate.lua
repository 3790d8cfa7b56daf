-- serve_rate.lua — wrk script: each connection waits DELAY_MS between its requests, so that
-- connections x 1000 / DELAY_MS sets the offered rate (for latency at a fixed load).
local delay_ms = tonumber(os.getenv("DELAY_MS") or "2")
function delay()
  return delay_ms
end
