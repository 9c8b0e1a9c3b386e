-- wrk: one new event per request for a random customer of a 1M-customer demo, answered with
-- the customer's updated card. Usage:
--   KEY=patron_… wrk -t2 -c2 -d60s --latency -s scripts/load/event.lua http://127.0.0.1:8080
local key = os.getenv("KEY")
local customers = tonumber(os.getenv("CUSTOMERS") or "1000000")
-- Demo ids are C and the number, zero-padded to the digits of the customer count (at least 6).
local width = math.max(6, string.len(tostring(customers)))
local id_format = "C%0" .. width .. "d"
local stamp = os.getenv("AT") or "2026-11-30T12:00:00Z"
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  math.randomseed(thread_id * 7919 + os.time())
end

function request()
  counter = counter + 1
  local customer = math.random(1, customers)
  local body = string.format(
    '{"events":[{"event_id":"wrk-%d-%d-%d","customer_id":"%s","type":"email_click","timestamp":"%s"}]}',
    os.time(), thread_id, counter, string.format(id_format, customer), stamp)
  return wrk.format("POST", "/v1/events",
    { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\n")
  end
end
