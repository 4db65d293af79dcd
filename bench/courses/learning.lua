-- wrk script: learners act in their course. Each line of BENCH_LEARNERS is one learner's
-- "access token<TAB>enrolment id"; wrk thread i of BENCH_THREADS takes learners i,
-- i + BENCH_THREADS, … in turn. BENCH_MODE:
--   view  `POST /enrolments/{id}/lessons/{BENCH_LESSON}/view` (a text lesson; the first
--         view completes it, later ones find it completed)
--   quiz  one attempt after the other at the quiz lesson BENCH_QUIZ: start it
--         (`POST …/attempts`), then submit its answers (`POST /attempts/{id}/submit`);
--         the bench quiz fails every answer and allows unlimited attempts, so a learner
--         never runs out. Both requests count; the latency is per request.
-- Answers are counted: 2xx, 409 (a conflict: a learner's other request came first), other.
local learners = {}
local turn = 0
local MODE = os.getenv("BENCH_MODE") or "view"
local pending = {} -- enrolment → the attempt to submit next
-- Globals, so that done() can read each thread's counts with thread:get().
ok, conflict, other = 0, 0, 0

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
  local n = 0
  for line in io.lines(os.getenv("BENCH_LEARNERS")) do
    n = n + 1
    if n % threads == index % threads then
      local token, enrolment = line:match("([^\t]+)\t([^\t]+)")
      learners[#learners + 1] = { token = token, enrolment = enrolment }
    end
  end
end

function request()
  turn = turn % #learners + 1
  local learner = learners[turn]
  local headers = { ["Authorization"] = "Bearer " .. learner.token, ["Content-Type"] = "application/json" }
  if MODE == "view" then
    return wrk.format("POST", "/api/v1/enrolments/" .. learner.enrolment .. "/lessons/" ..
      os.getenv("BENCH_LESSON") .. "/view", headers, "")
  end
  local attempt = pending[learner.enrolment]
  if attempt then
    pending[learner.enrolment] = nil
    return wrk.format("POST", "/api/v1/attempts/" .. attempt .. "/submit", headers,
      '{"answers":{"' .. os.getenv("BENCH_QUESTION") .. '":true}}')
  end
  return wrk.format("POST", "/api/v1/enrolments/" .. learner.enrolment .. "/lessons/" ..
    os.getenv("BENCH_QUIZ") .. "/attempts", headers, "")
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    -- A started attempt: submit it on the learner's next turn.
    if MODE == "quiz" and body:find('"submittedAt":null', 1, true) then
      local enrolment = body:match('"enrolmentId":"([^"]+)"')
      if enrolment then pending[enrolment] = body:match('"id":"([^"]+)"') end
    end
  elseif status == 409 then
    conflict = conflict + 1
  else
    other = other + 1
  end
end

local all = {}
function setup(thread)
  thread:set("index", #all)
  all[#all + 1] = thread
end

function done(summary, latency, requests)
  local o, c, x = 0, 0, 0
  for _, t in ipairs(all) do
    o = o + t:get("ok"); c = c + t:get("conflict"); x = x + t:get("other")
  end
  io.write(string.format("answers=%d 2xx, %d 409, %d other\n", o, c, x))
end
