-- wrk script for bench/bench_http.py: like recommend.lua, but every request names a different profile, so
-- no answer cache can serve it and each request pays for a whole recommendation.
-- Usage: wrk ... -s bench/recommend_distinct.lua http://127.0.0.1:PORT -- PROFILE.json

local threads = 0
local before, after -- the body around the profile's name
local count = 0

-- Runs once per thread in the main Lua state: number the threads so their names never collide.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  local path = args[1]
  if path == nil then
    error("recommend_distinct.lua: give the profile's JSON file after --")
  end
  local file = assert(io.open(path, "rb"))
  local body = file:read("*a")
  file:close()
  local first, last = body:find('"name"%s*:%s*"[^"]*"')
  if first == nil then
    error("recommend_distinct.lua: no \"name\" in " .. path)
  end
  before, after = body:sub(1, first - 1), body:sub(last + 1)
  wrk.method = "POST"
  wrk.path = "/v1/recommendations"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  count = count + 1
  local name = string.format('"name": "bench-%d-%d"', thread_number, count)
  return wrk.format(nil, nil, nil, before .. name .. after)
end
