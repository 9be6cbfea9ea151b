-- wrk script for bench/load.py. Replays the requests in the file named by the first
-- argument (one per line: method, path, cookie, body, separated by tabs). With "cycle" as
-- the second argument every thread replays all the lines over and over, each from its own
-- place (page views); without it thread k of n takes lines k, k+n, k+2n, ... once, so each
-- line is sent exactly once (quiz submissions), and a thread that runs out asks for the
-- health check instead, counted as "exhausted".
-- Counts statuses, the attempts whose submission was answered, and responses per second.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file, cycle = args[1], args[2] == "cycle"
  lines = {}
  local thread_count = tonumber(args[3])
  local number = 0
  for line in io.lines(file) do
    -- Cycling threads replay every line, each from its own place; the others share none.
    if cycle or number % thread_count == id then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
      local headers = { ["Host"] = wrk.host .. ":" .. wrk.port }
      if cookie ~= "" then headers["Cookie"] = cookie end
      if method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
      end
      table.insert(lines, wrk.format(method, path, headers, body))
    end
    number = number + 1
  end
  position = cycle and (id * math.floor(#lines / thread_count)) or 0
  repeat_lines = cycle
  exhausted = 0
  statuses = {}
  answered = {}
  per_second = {}
end

function request()
  position = position + 1
  if position > #lines then
    if repeat_lines then
      position = 1
    else
      -- Nothing left to submit: ask for nothing the server has to write.
      exhausted = exhausted + 1
      return wrk.format("GET", "/healthz")
    end
  end
  return lines[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local location = headers["Location"]
  if status == 302 and location then
    local attempt = location:match("/attempts/(%d+)$")
    if attempt then table.insert(answered, attempt) end
  end
  local second = os.time()
  per_second[second] = (per_second[second] or 0) + 1
end

function done(summary, latency, requests)
  -- One JSON object on the last line of wrk's output, for bench/load.py to read.
  local status_parts, answered_parts, second_parts = {}, {}, {}
  local exhausted_total = 0
  local seconds = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      table.insert(status_parts, string.format('[%d, %d]', status, n))
    end
    for _, attempt in ipairs(thread:get("answered")) do
      table.insert(answered_parts, attempt)
    end
    for second, n in pairs(thread:get("per_second")) do
      seconds[second] = (seconds[second] or 0) + n
    end
    exhausted_total = exhausted_total + thread:get("exhausted")
  end
  for second, n in pairs(seconds) do
    table.insert(second_parts, string.format('[%d, %d]', second, n))
  end
  local errors = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, '
      .. '"timeout": %d}, "statuses": [%s], "answered": [%s], "per_second": [%s], '
      .. '"exhausted": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), errors.connect, errors.read, errors.write, errors.status,
    errors.timeout, table.concat(status_parts, ", "), table.concat(answered_parts, ", "),
    table.concat(second_parts, ", "), exhausted_total))
end
