-- wrk script: simulated viewers of one tutorial report what they watched, as a player does
-- every few seconds. Each line of BENCH_TOKENS is one viewer's access token; wrk thread i
-- of BENCH_THREADS plays viewers i, i + BENCH_THREADS, … in turn and keeps each one's
-- position, starting at BENCH_START seconds (default 0). BENCH_MODE:
--   paced    every report claims the next 10 s ({"from":X,"to":X+10}), and the requests of
--            all threads are spread evenly at BENCH_RATE per second: with 1,000 viewers
--            and a rate of 100, each viewer reports every 10 s, like a player at normal
--            speed.
--   elapsed  no pacing: as many reports as the connections carry; each claims what played
--            at normal speed since the viewer's previous report (at most 10 s), so a
--            viewer who reports more often than every 10 s reports shorter stretches.
-- Answers are counted: 200, 422 (refused: too_fast or an invalid segment), anything else.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *ts);
]]
local clock = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local DURATION_S = 3600
local STEP_S = 10
local tokens, position, last = {}, {}, {}
local MODE = os.getenv("BENCH_MODE") or "paced"
local path, interval, next_at
local turn = 0
-- Globals, so that done() can read each thread's counts with thread:get().
accepted, refused, other = 0, 0, 0

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
  local start = tonumber(os.getenv("BENCH_START") or "0")
  local n = 0
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    n = n + 1
    if n % threads == index % threads then
      tokens[#tokens + 1] = line
      position[#tokens] = start
    end
  end
  path = "/api/v1/tutorials/" .. os.getenv("BENCH_TUTORIAL") .. "/progress"
  if MODE == "paced" then
    interval = 1000 * threads / tonumber(os.getenv("BENCH_RATE"))
  end
end

-- Paced mode: the thread's requests go out on a fixed schedule, one every `interval` ms,
-- whichever connection is free; a connection that finds its turn already past sends at
-- once. More than a second behind, the schedule starts afresh instead of bursting.
function delay()
  local now = now_ms()
  if next_at == nil or next_at < now - 1000 then next_at = now end
  local wait = next_at - now
  next_at = next_at + interval
  return math.max(0, math.floor(wait + 0.5))
end
if MODE ~= "paced" then delay = nil end

function request()
  turn = turn % #tokens + 1
  local v = turn
  local from = position[v]
  local length = STEP_S
  if MODE == "elapsed" then
    local now = now_ms()
    if last[v] then length = math.min(STEP_S, (now - last[v]) / 1000) end
    last[v] = now
  end
  if from + 0.001 > DURATION_S then from = 0 end
  local to = math.min(from + length, DURATION_S)
  position[v] = to
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[v],
  }, string.format('{"segments":[{"from":%.3f,"to":%.3f}]}', from, to))
end

function response(status, headers, body)
  if status == 200 then accepted = accepted + 1
  elseif status == 422 then refused = refused + 1
  else other = other + 1 end
end

local threads = {}
function setup(thread)
  thread:set("index", #threads)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local a, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted"); r = r + t:get("refused"); o = o + t:get("other")
  end
  io.write(string.format("accepted=%d refused=%d other=%d\n", a, r, o))
end
