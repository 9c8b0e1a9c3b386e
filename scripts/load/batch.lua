-- wrk: batches of 10,000 new events for random customers, committed and answered before the
-- cards are recomputed (?cards=later). Events per second = requests per second × 10,000.
--   KEY=patron_… wrk -t2 -c2 -d60s -s scripts/load/batch.lua http://127.0.0.1:8080
local key = os.getenv("KEY")
local customers = tonumber(os.getenv("CUSTOMERS") or "1000000")
-- Demo ids are C and the number, zero-padded to the digits of the customer count (at least 6).
local width = math.max(6, string.len(tostring(customers)))
local id_format = "C%0" .. width .. "d"
local size = tonumber(os.getenv("BATCH") or "10000")
local stamp = os.getenv("AT") or "2026-11-30T12:00:00Z"
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  math.randomseed(thread_id * 104729 + os.time())
end

function request()
  counter = counter + 1
  local items = {}
  for i = 1, size do
    items[i] = string.format(
      '{"event_id":"wrkb-%d-%d-%d-%d","customer_id":"%s","type":"page_view","timestamp":"%s"}',
      os.time(), thread_id, counter, i, string.format(id_format, math.random(1, customers)), stamp)
  end
  local body = '{"events":[' .. table.concat(items, ",") .. ']}'
  return wrk.format("POST", "/v1/events?cards=later",
    { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\n")
  end
end
