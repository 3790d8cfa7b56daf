-- serve_post.lua — wrk script: POST the NDJSON batch in the file named by BATCH to /v1/decisions
-- (one request = every query of the file), on keep-alive connections.
local f = assert(io.open(os.getenv("BATCH"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-ndjson"
