-- bench/load.sh's staff autosave mix: a signed-in city staff user loads the questionnaire now and then and
-- autosaves answers (the htmx POST of one answer row) in between, alternating two valid values.
--
-- Every answer carries a version: a save that sends a stale one gets 409. So each wrk thread owns its own
-- parameters, never has two saves of the same parameter in flight, and takes the newest version from every
-- response (a saved row holds one "<key>-version" field, the questionnaire page all of them).
--
-- Needs LOAD_BENCH_DIR (for load_report.lua) and LOAD_STAFF_DATA (the file bench/load_prepare.py wrote);
-- LOAD_STAFF_GET_EVERY (default 5): every n-th request is a questionnaire GET, the others are saves.

dofile(os.getenv("LOAD_BENCH_DIR") .. "/load_report.lua")

local data, mine, versions, busy, turn, next_param, get_every
-- Globals of the thread's Lua state, so that done() (in the main state) can read them with thread:get().
count_get, count_post, count_ok, count_redirect, count_other = 0, 0, 0, 0, 0

function init(args)
  data = dofile(os.getenv("LOAD_STAFF_DATA"))
  get_every = tonumber(os.getenv("LOAD_STAFF_GET_EVERY") or "5")
  local thread_total = tonumber(os.getenv("LOAD_THREADS") or "2")
  mine, versions, busy = {}, {}, {}
  for position, param in ipairs(data.params) do
    if (position - 1) % thread_total == thread_index then
      table.insert(mine, param)
      versions[param.key] = param.version
    end
  end
  turn, next_param = 0, 1
  wrk.headers["Cookie"] = "sessionid=" .. data.session .. "; csrftoken=" .. data.csrf
end

local function free_param()
  -- Round robin over this thread's parameters, skipping those with a save in flight (bounded: one lap).
  for _ = 1, #mine do
    local param = mine[next_param]
    next_param = next_param % #mine + 1
    if not busy[param.key] then
      return param
    end
  end
  return nil
end

local function encode(text)
  return (tostring(text):gsub("[^%w%-_%.~]", function(char)
    return string.format("%%%02X", string.byte(char))
  end))
end

function request()
  turn = turn + 1
  local param = (turn % get_every ~= 0) and free_param() or nil
  if param == nil then
    count_get = count_get + 1
    return wrk.format("GET", data.questionnaire)
  end
  count_post = count_post + 1
  busy[param.key] = true
  local version = versions[param.key]
  local value = param.values[version % 2 + 1]
  local prefix = param.key .. "-"
  local body = table.concat({
    encode(prefix .. "value") .. "=" .. encode(value),
    encode(prefix .. "evidence_url") .. "=" .. encode("https://example.org/load-test"),
    encode(prefix .. "note") .. "=load+test",
    encode(prefix .. "as_of") .. "=",
    encode(prefix .. "version") .. "=" .. version,
  }, "&")
  return wrk.format("POST", data.save_prefix .. param.key .. "/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-CSRFToken"] = data.csrf,
    ["HX-Request"] = "true",
    ["Cookie"] = wrk.headers["Cookie"], -- headers given to wrk.format replace wrk.headers
  }, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    count_ok = count_ok + 1
  elseif status >= 300 and status < 400 then
    count_redirect = count_redirect + 1 -- a redirect here means the session was lost (to the login)
  else
    count_other = count_other + 1
  end
  local found, single = 0, nil
  for key, version in string.gmatch(body or "", 'name="([%w_%-]+)%-version" value="(%d+)"') do
    found = found + 1
    single = key
    version = tonumber(version)
    if versions[key] ~= nil and version > versions[key] then
      versions[key] = version -- versions only grow: a page rendered before a save cannot turn one back
    end
  end
  if found == 1 then
    busy[single] = nil -- a saved row (or its 409): that parameter may be saved again
  end
end

function extra_counts()
  local total = {get = 0, post = 0, ok = 0, redirect = 0, other = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do
      total[name] = total[name] + (thread:get("count_" .. name) or 0)
    end
  end
  return string.format(
    "gets=%d posts=%d status_2xx=%d status_3xx=%d status_other=%d",
    total.get, total.post, total.ok, total.redirect, total.other
  )
end

