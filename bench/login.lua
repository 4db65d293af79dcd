-- wrk script: every request signs in the benchmark account.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.org","password":"Verwaltung am Marktplatz 7"}'

-- Count answers that are not 200, so a misconfigured run does not pass as fast.
local failures = 0
function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
