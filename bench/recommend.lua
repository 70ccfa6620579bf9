-- wrk script for bench/bench_http.py: POST one workload profile, as JSON, to /v1/recommendations.
-- Usage: wrk ... -s bench/recommend.lua http://127.0.0.1:PORT -- PROFILE.json
-- init runs in each wrk thread before its first request, so the request is built once per thread.

function init(args)
  local path = args[1]
  if path == nil then
    error("recommend.lua: give the profile's JSON file after --")
  end
  local file = assert(io.open(path, "rb"))
  wrk.method = "POST"
  wrk.path = "/v1/recommendations"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
end
