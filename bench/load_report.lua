-- bench/load.sh's wrk report: one machine-readable line at the end of a run (requests per second,
-- p50/p99 latency, responses outside 2xx/3xx, socket errors). Scripts that count more (load_staff.lua)
-- define `extra_counts()` returning a string appended to the line.
--
-- Usage: wrk ... -s bench/load_report.lua URL   (or dofile it from another script)

threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count - 1)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  local line = string.format(
    "LOAD_RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
      .. " status_errors=%d socket_errors=%d",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout
  )
  if extra_counts then
    line = line .. " " .. extra_counts()
  end
  io.write(line .. "\n")
end
