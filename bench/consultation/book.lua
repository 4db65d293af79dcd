-- wrk script: learners book random slots of the contention offer at once. Every request
-- uses a random learner's token and a random slot; 201, 409 and anything else are counted.
local tokens, slots = {}, {}
-- Globals, so that done() can read each thread's counts with thread:get().
created, conflicts, other = 0, 0, 0

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
  for line in io.lines(os.getenv("BENCH_SLOTS")) do slots[#slots + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local token = tokens[math.random(#tokens)]
  local slot = slots[math.random(#slots)]
  return wrk.format("POST", "/api/v1/consultation-slots/" .. slot .. "/bookings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, '{"concern":"Lasttest: Beteiligung im Quartier"}')
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 409 then conflicts = conflicts + 1
  else other = other + 1 end
end

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

function done(summary, latency, requests)
  local c, k, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); k = k + t:get("conflicts"); o = o + t:get("other")
  end
  io.write(string.format("created=%d conflicts=%d other=%d\n", c, k, o))
end
