-- wrk script for bench/bench_http.py: like recommend_distinct.lua, but each request also changes the profile's
-- facts (numbers that rules compare with thresholds, and a few choices), as real traffic does: so no answer
-- cache, and no memo of the engine's by the facts or by the rules they match, can serve every request.
-- Usage: wrk ... -s bench/recommend_varied.lua http://127.0.0.1:PORT -- PROFILE.json
-- PROFILE.json must hold the keys varied below (examples/checkout-api.yaml as JSON does).

local threads = 0
local template
local count = 0

-- (JSON key, how a value is drawn): each request draws one value per key.
local function between(low, high)
  return function() return tostring(math.random(low, high)) end
end
local function one_of(...)
  local choices = { ... }
  return function() return '"' .. choices[math.random(#choices)] .. '"' end
end
local VARIED = {
  { "instances", between(1, 300) },
  { "startup_seconds", between(1, 600) },
  { "deploys_per_week", between(0, 60) },
  { "disk_gib", between(1, 500) },
  { "elasticity", one_of("steady", "bursty", "scale-to-zero") },
  { "runtime", one_of("python", "node", "go", "java") },
  { "isolation", one_of("standard", "high") },
}

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  local path = args[1]
  if path == nil then
    error("recommend_varied.lua: give the profile's JSON file after --")
  end
  local file = assert(io.open(path, "rb"))
  template = file:read("*a")
  file:close()
  for _, varied in ipairs(VARIED) do
    local key = varied[1]
    if not template:find('"' .. key .. '"%s*:') then
      error("recommend_varied.lua: no \"" .. key .. "\" in " .. path)
    end
  end
  math.randomseed(thread_number * 7919)  -- the same sequence on every run, a different one per thread
  wrk.method = "POST"
  wrk.path = "/v1/recommendations"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  count = count + 1
  local body = template:gsub('"name"%s*:%s*"[^"]*"', string.format('"name": "bench-%d-%d"', thread_number, count), 1)
  for _, varied in ipairs(VARIED) do
    local key, draw = varied[1], varied[2]
    body = body:gsub('"' .. key .. '"%s*:%s*("?)[^,}"]*%1', '"' .. key .. '": ' .. draw(), 1)
  end
  return wrk.format(nil, nil, nil, body)
end
